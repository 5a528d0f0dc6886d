import Foundation
import SluiceJSON
import Synchronization

/// A model folder on disk: `config.json`, weights, tokenizer files, and for
/// sentence-transformers folders `modules.json` and its module folders.
public struct ModelFolder: Sendable {
    /// The folder.
    public let url: URL
    /// The folder's small JSON files as read, shared by every copy of this value, so that each
    /// is opened once however many parts of the model read it.
    private let jsonFiles = JSONFileCache()

    /// Opens a model folder (a hub id's is the cache snapshot `SluiceHub` resolves).
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError("model folder \(path) does not exist")
        }
        guard isDirectory.boolValue else { throw ModelError("\(path) is a file, not a model folder") }
        url = URL(fileURLWithPath: path).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
            throw ModelError("\(url.path) has no config.json")
        }
    }

    /// A file in the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// A JSON file of the folder (`name` may name a file in a module's folder,
    /// `1_Pooling/config.json`), read and parsed as Python's `json` reads it on first use and
    /// kept: whatever value the file holds (`modules.json` is a list), or an empty object when
    /// it is missing or not JSON, as the libraries that read these optional files treat them.
    public func jsonObject(_ name: String) -> JSONValue {
        jsonFiles.value(for: name) {
            guard let data = try? Data(contentsOf: file(name)), let value = try? JSONValue.parse(data) else {
                return .object([])
            }
            return value
        }
    }

    /// Whether the folder has that file.
    public func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// The weight files, in the order of preference: `model.safetensors`, the shards
    /// `model.safetensors.index.json` names, `pytorch_model.bin`, the shards
    /// `pytorch_model.bin.index.json` names. `WeightStore` reads either format.
    public func weightFiles() throws -> [URL] {
        for (single, index) in [
            ("model.safetensors", "model.safetensors.index.json"),
            ("pytorch_model.bin", "pytorch_model.bin.index.json"),
        ] {
            if has(single) { return [file(single)] }
            if has(index) { return try shards(listedIn: file(index)) }
        }
        throw ModelError("\(url.path) has no model.safetensors (nor pytorch_model.bin)")
    }

    /// The files a sharded checkpoint's index names in its `weight_map`.
    private func shards(listedIn index: URL) throws -> [URL] {
        let json = try? JSONValue.parse(try Data(contentsOf: index))
        guard let map = json?["weight_map"]?.objectMembers else {
            throw ModelError("\(index.path) has no weight_map")
        }
        let shards = map.compactMap { $0.value.stringValue }
        guard shards.count == map.count else {
            throw ModelError("\(index.path): every weight_map entry must name a file")
        }
        return Set(shards).sorted().map { file($0) }
    }
}

/// JSON files by name, each read once.
private final class JSONFileCache: Sendable {
    private let files = Mutex<[String: JSONValue]>([:])

    func value(for name: String, read: () -> JSONValue) -> JSONValue {
        files.withLock { files in
            if let value = files[name] { return value }
            let value = read()
            files[name] = value
            return value
        }
    }
}
