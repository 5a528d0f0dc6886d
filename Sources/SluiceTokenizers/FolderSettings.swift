import Foundation
import SluiceJSON

/// `tokenizer_config.json` and `special_tokens_map.json` of a tokenizer folder, each read once
/// (as Python's `json` reads them) and kept apart, for the two readers below.
///
/// transformers merges them in `from_pretrained`: when `tokenizer_config.json` has an
/// `added_tokens_decoder` (every save since 4.34) `special_tokens_map.json` is not read at all;
/// otherwise its entries replace the config's. Sluice's two readers each keep their own older
/// rule, which agree with that on every folder the tests hold: `value(_:)` lets the map win,
/// `specialTokenText(_:)` lets the config win.
struct FolderSettings: Sendable {
    /// `tokenizer_config.json`, or an empty object when it is absent or unreadable.
    let config: JSONValue
    /// `special_tokens_map.json`, or an empty object when it is absent or unreadable.
    let specialTokensMap: JSONValue
    /// The files that exist and were read, by name inside the folder.
    let filesRead: [String]
    /// Why a file that exists could not be read as a JSON object: converting older vocabulary
    /// files refuses such a folder; a folder with `tokenizer.json` reads on without it.
    let unreadable: TokenizerError?

    init(folder: URL) {
        var objects: [JSONValue] = []
        var filesRead: [String] = []
        var unreadable: TokenizerError?
        for name in ["tokenizer_config.json", "special_tokens_map.json"] {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                objects.append(.object([]))
                continue
            }
            do throws(TokenizerError) {
                objects.append(try Self.readObject(url))
                filesRead.append(name)
            } catch {
                objects.append(.object([]))
                unreadable = unreadable ?? error
            }
        }
        config = objects[0]
        specialTokensMap = objects[1]
        self.filesRead = filesRead
        self.unreadable = unreadable
    }

    private static func readObject(_ url: URL) throws(TokenizerError) -> JSONValue {
        let name = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError("cannot read \(url.path): \(error.localizedDescription)")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(data, options: .python) } catch {
            throw TokenizerError("\(name) is not valid JSON: \(error)")
        }
        guard case .object = value else { throw TokenizerError("\(name) must be a JSON object") }
        return value
    }

    /// A setting from either file, `special_tokens_map.json` winning: what converting a folder
    /// without `tokenizer.json` reads.
    func value(_ key: String) -> JSONValue? {
        specialTokensMap[key] ?? config[key]
    }

    func bool(_ key: String) -> Bool? {
        if case .bool(let value) = value(key) { return value }
        return nil
    }

    /// A special token's text (`mask_token`, `cls_token`, …), written as a string or as an
    /// `AddedToken` object, `tokenizer_config.json` winning: what the pipelines read.
    func specialTokenText(_ key: String) -> String? {
        func text(_ value: JSONValue?) -> String? { value?.stringValue ?? value?["content"]?.stringValue }
        return text(config[key]) ?? text(specialTokensMap[key])
    }

    /// A special token's content and flags for a converted `tokenizer.json`; `defaultLeftStrip`
    /// is transformers' default for a token given as a plain string (RoBERTa's and XLM-R's mask
    /// strips the space before it).
    func specialToken(_ key: String, default content: String, defaultLeftStrip: Bool = false) -> JSONValue {
        var text = content
        var flags: [String: JSONValue] = [:]
        switch value(key) {
        case .string(let value):
            text = value
        case .object(let members):
            for (name, value) in members {
                if name == "content", case .string(let value) = value {
                    text = value
                } else {
                    flags[name] = value
                }
            }
        default:
            break
        }
        func flag(_ name: String, _ fallback: Bool) -> JSONValue {
            if case .bool(let value) = flags[name] { return .bool(value) }
            return .bool(fallback)
        }
        return .object([
            ("content", .string(text)), ("single_word", flag("single_word", false)),
            ("lstrip", flag("lstrip", defaultLeftStrip)), ("rstrip", flag("rstrip", false)),
            ("normalized", .bool(false)), ("special", .bool(true)),
        ])
    }
}
