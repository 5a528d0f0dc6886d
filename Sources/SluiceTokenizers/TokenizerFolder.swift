import Foundation
import SluiceJSON

/// Which files of a model folder a tokenizer was built from, for the command line and the
/// server to report at load time.
public struct TokenizerSource: Sendable, Equatable, CustomStringConvertible {
    /// How the tokenizer was obtained.
    public enum Kind: String, Sendable, Equatable {
        /// Read from `tokenizer.json`.
        case tokenizerJSON = "tokenizer.json"
        /// Built from a WordPiece `vocab.txt`, as transformers' `BertTokenizer` does.
        case wordPiece = "WordPiece vocab.txt"
        /// Built from `vocab.json` and `merges.txt`, as transformers' `RobertaTokenizer` does.
        case byteLevelBPE = "byte-level BPE vocab.json + merges.txt"
        /// Built from a SentencePiece model, as transformers' `XLMRobertaTokenizer` (or, from
        /// `spm.model`, `DebertaV2Tokenizer`) does.
        case sentencePiece = "SentencePiece model"
    }

    /// How the tokenizer was obtained.
    public var kind: Kind
    /// The files read, by name inside the folder.
    public var files: [String]

    /// Creates a source description.
    public init(kind: Kind, files: [String]) {
        self.kind = kind
        self.files = files
    }

    /// For example "tokenizer built from vocab.txt, tokenizer_config.json (WordPiece vocab.txt)".
    public var description: String {
        kind == .tokenizerJSON
            ? "tokenizer read from tokenizer.json"
            : "tokenizer built from \(files.joined(separator: ", ")) (\(kind.rawValue), as transformers converts it)"
    }
}

extension Tokenizer {
    /// Loads the tokenizer of a model folder: `tokenizer.json` if present; otherwise what
    /// transformers' fast-tokenizer conversion builds from `vocab.txt` (BERT WordPiece),
    /// `vocab.json` + `merges.txt` (RoBERTa byte-level BPE), `sentencepiece.bpe.model` /
    /// `spiece.model` (XLM-R SentencePiece Unigram) or `spm.model` (DeBERTa-v2's), with
    /// `tokenizer_config.json` and
    /// `special_tokens_map.json`. Also says which files were used. `PretrainedTokenizer` loads
    /// the same tokenizer together with its special tokens and limits.
    public static func load(folder: URL) throws -> (Tokenizer, TokenizerSource) {
        let definition = try TokenizerDefinition(folder: folder, settings: FolderSettings(folder: folder))
        return (try definition.makeTokenizer(), definition.source)
    }
}

/// What a folder's tokenizer is built from: its `tokenizer.json` as parsed, or the
/// `tokenizer.json` that transformers' conversion would write for its older files. Each file
/// is read once.
struct TokenizerDefinition {
    /// The folder.
    let folder: URL
    /// The `tokenizer.json` document.
    let root: JSONValue
    /// Which files it came from.
    let source: TokenizerSource

    /// Reads `folder`; `settings` gives the configs the conversions read (and, beside a
    /// `tokenizer.json`, the tokenizer class).
    init(folder: URL, settings: @autoclosure () -> FolderSettings) throws {
        self.folder = folder
        let fileManager = FileManager.default
        func has(_ name: String) -> Bool {
            fileManager.fileExists(atPath: folder.appendingPathComponent(name).path)
        }
        if has("tokenizer.json") {
            let url = folder.appendingPathComponent("tokenizer.json")
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw TokenizerError("cannot read \(url.path): \(error.localizedDescription)")
            }
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parse(data, source: "tokenizer.json")
            } catch let error as TokenizerError {
                throw TokenizerError("\(url.path): \(error.message)")
            }
            // transformers 5's DebertaV2Tokenizer keeps only the file's vocabulary and rebuilds the rest.
            let settings = settings()
            var name = settings.config["tokenizer_class"]?.stringValue ?? ""
            if name.hasSuffix("Fast") { name.removeLast(4) }
            root =
                name == "DebertaV2Tokenizer"
                ? debertaV2Tokenizer(rebuilding: parsed, settings: settings) ?? parsed : parsed
            source = TokenizerSource(kind: .tokenizerJSON, files: ["tokenizer.json"])
            return
        }
        let settings = settings()
        if let unreadable = settings.unreadable { throw unreadable }
        let kind: TokenizerSource.Kind
        var files: [String]
        if has("vocab.txt") {
            kind = .wordPiece
            files = ["vocab.txt"]
            root = try wordPieceDefinition(folder: folder, settings: settings)
        } else if has("vocab.json") && has("merges.txt") {
            kind = .byteLevelBPE
            files = ["vocab.json", "merges.txt"]
            root = try byteLevelBPEDefinition(folder: folder, settings: settings)
        } else if has("spm.model") {
            kind = .sentencePiece
            files = ["spm.model"]
            root = try debertaV2Definition(
                file: folder.appendingPathComponent("spm.model"), settings: settings)
        } else if let model = ["sentencepiece.bpe.model", "spiece.model", "tokenizer.model"].first(where: has)
        {
            kind = .sentencePiece
            files = [model]
            root = try sentencePieceDefinition(file: folder.appendingPathComponent(model), settings: settings)
        } else {
            throw TokenizerError(
                "\(folder.path) has no tokenizer: expected tokenizer.json, vocab.txt, vocab.json + merges.txt, "
                    + "or a SentencePiece model (sentencepiece.bpe.model, spiece.model, DeBERTa-v2's spm.model)"
            )
        }
        files += settings.filesRead
        source = TokenizerSource(kind: kind, files: files)
    }

    /// The tokenizer; an error names the file, or the folder and the files converted.
    func makeTokenizer() throws -> Tokenizer {
        do {
            return try Tokenizer(root: root)
        } catch let error as TokenizerError {
            if source.kind == .tokenizerJSON {
                throw TokenizerError(
                    "\(folder.appendingPathComponent("tokenizer.json").path): \(error.message)")
            }
            throw TokenizerError("\(folder.path) (\(source.files.joined(separator: ", "))): \(error.message)")
        }
    }
}

/// An added token's `content`, from its `tokenizer.json` object (empty when it has none).
func content(of token: JSONValue) -> String {
    if case .object(let members) = token, let value = members.first(where: { $0.key == "content" })?.value,
        case .string(let text) = value
    {
        return text
    }
    return ""
}

func readText(_ url: URL) throws -> String {
    do {
        return try String(contentsOf: url, encoding: .utf8)
    } catch {
        throw TokenizerError("cannot read \(url.lastPathComponent) as UTF-8: \(error.localizedDescription)")
    }
}

/// transformers' `BertTokenizer`: one token per line of vocab.txt, id = line number.
private func wordPieceDefinition(folder: URL, settings: FolderSettings) throws -> JSONValue {
    let text = try readText(folder.appendingPathComponent("vocab.txt"))
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        line.hasSuffix("\r") ? String(line.unicodeScalars.dropLast()) : String(line)
    }
    if lines.last == "" { lines.removeLast() }
    var vocabulary = [(key: String, value: JSONValue)]()
    vocabulary.reserveCapacity(lines.count)
    for (index, token) in lines.enumerated() { vocabulary.append((token, .number(Double(index)))) }
    let lowercase = settings.bool("do_lower_case") ?? true
    let stripAccents: JSONValue = settings.bool("strip_accents").map(JSONValue.bool) ?? .null
    let cls = settings.specialToken("cls_token", default: "[CLS]")
    let sep = settings.specialToken("sep_token", default: "[SEP]")
    let unk = settings.specialToken("unk_token", default: "[UNK]")
    let specials = [
        unk, sep, settings.specialToken("pad_token", default: "[PAD]"), cls,
        settings.specialToken("mask_token", default: "[MASK]"),
    ]
    let ids = Dictionary(vocabulary.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { _, last in last })
    let clsText = content(of: cls)
    let sepText = content(of: sep)
    return .object([
        ("added_tokens", .array(specials)),
        (
            "normalizer",
            .object([
                ("type", .string("BertNormalizer")), ("clean_text", .bool(true)),
                ("handle_chinese_chars", .bool(settings.bool("tokenize_chinese_chars") ?? true)),
                ("strip_accents", stripAccents), ("lowercase", .bool(lowercase)),
            ])
        ),
        ("pre_tokenizer", .object([("type", .string("BertPreTokenizer"))])),
        (
            "post_processor",
            bertTemplate(cls: clsText, clsId: ids[clsText] ?? 2, sep: sepText, sepId: ids[sepText] ?? 3)
        ),
        (
            "decoder",
            .object([("type", .string("WordPiece")), ("prefix", .string("##")), ("cleanup", .bool(true))])
        ),
        (
            "model",
            .object([
                ("type", .string("WordPiece")), ("unk_token", .string(content(of: unk))),
                ("continuing_subword_prefix", .string("##")), ("max_input_chars_per_word", .number(100)),
                ("vocab", .object(vocabulary)),
            ])
        ),
    ])
}

/// transformers' `RobertaTokenizer`: byte-level BPE with RobertaProcessing.
private func byteLevelBPEDefinition(folder: URL, settings: FolderSettings) throws -> JSONValue {
    let vocabulary = try JSONValue.parse(
        try Data(contentsOf: folder.appendingPathComponent("vocab.json")), source: "vocab.json")
    let mergesText = try readText(folder.appendingPathComponent("merges.txt"))
    var merges = [JSONValue]()
    var lines = mergesText.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last == "" { lines.removeLast() }
    for line in lines {
        let text = line.hasSuffix("\r") ? String(line.unicodeScalars.dropLast()) : String(line)
        if text.hasPrefix("#version") { continue }
        merges.append(.string(text))
    }
    var ids = [String: Int]()
    if case .object(let members) = vocabulary {
        for (token, id) in members { ids[token] = id.nonNegativeInt }
    }
    let addPrefixSpace = settings.bool("add_prefix_space") ?? false
    let trimOffsets = settings.bool("trim_offsets") ?? true
    let cls = settings.specialToken("cls_token", default: "<s>")
    let sep = settings.specialToken("sep_token", default: "</s>")
    let specials = [
        settings.specialToken("bos_token", default: "<s>"),
        settings.specialToken("eos_token", default: "</s>"),
        settings.specialToken("unk_token", default: "<unk>"), sep,
        settings.specialToken("pad_token", default: "<pad>"), cls,
        settings.specialToken("mask_token", default: "<mask>", defaultLeftStrip: true),
    ]
    let byteLevel: JSONValue = .object([
        ("type", .string("ByteLevel")), ("add_prefix_space", .bool(addPrefixSpace)),
        ("trim_offsets", .bool(true)), ("use_regex", .bool(true)),
    ])
    return .object([
        ("added_tokens", .array(specials)),
        ("pre_tokenizer", byteLevel),
        (
            "post_processor",
            .object([
                ("type", .string("RobertaProcessing")),
                ("sep", .array([.string(content(of: sep)), .number(Double(ids[content(of: sep)] ?? 2))])),
                ("cls", .array([.string(content(of: cls)), .number(Double(ids[content(of: cls)] ?? 0))])),
                ("trim_offsets", .bool(trimOffsets)), ("add_prefix_space", .bool(addPrefixSpace)),
            ])
        ),
        ("decoder", .object([("type", .string("ByteLevel"))])),
        (
            "model",
            .object([
                ("type", .string("BPE")), ("continuing_subword_prefix", .string("")),
                ("end_of_word_suffix", .string("")), ("fuse_unk", .bool(false)), ("vocab", vocabulary),
                ("merges", .array(merges)),
            ])
        ),
    ])
}

/// transformers' `XLMRobertaTokenizer`: the SentencePiece pieces with fairseq's ids (`<s>`,
/// `<pad>`, `</s>`, `<unk>` first, every other piece one place later, `<mask>` last), the
/// model's precompiled character map, WhitespaceSplit + Metaspace.
private func sentencePieceDefinition(file: URL, settings: FolderSettings) throws -> JSONValue {
    let model = try SentencePieceModel(data: try Data(contentsOf: file), name: file.lastPathComponent)
    guard model.modelType == 1 else {
        throw TokenizerError(
            "\(file.lastPathComponent): only SentencePiece Unigram models can be converted "
                + "(model_type \(model.modelType))")
    }
    let bos = settings.specialToken("bos_token", default: "<s>")
    let pad = settings.specialToken("pad_token", default: "<pad>")
    let eos = settings.specialToken("eos_token", default: "</s>")
    let unk = settings.specialToken("unk_token", default: "<unk>")
    let mask = settings.specialToken("mask_token", default: "<mask>", defaultLeftStrip: true)
    var pieces: [JSONValue] = [bos, pad, eos, unk].map { .array([.string(content(of: $0)), .number(0)]) }
    for piece in model.pieces.dropFirst(3) {
        pieces.append(.array([.string(piece.text), .number(Double(piece.score))]))
    }
    pieces.append(.array([.string(content(of: mask)), .number(0)]))
    let addPrefixSpace = settings.bool("add_prefix_space") ?? true
    let metaspace: [(key: String, value: JSONValue)] = [
        ("replacement", .string("\u{2581}")),
        ("prepend_scheme", .string(addPrefixSpace ? "always" : "never")),
        ("split", .bool(true)),
    ]
    let bosText = content(of: bos)
    let eosText = content(of: eos)
    func piece(_ kind: String, _ id: String) -> JSONValue {
        .object([(kind, .object([("id", .string(id)), ("type_id", .number(0))]))])
    }
    var root: [(key: String, value: JSONValue)] = [
        ("added_tokens", .array([bos, pad, eos, unk, mask])),
        (
            "pre_tokenizer",
            .object([
                ("type", .string("Sequence")),
                (
                    "pretokenizers",
                    .array([
                        .object([("type", .string("WhitespaceSplit"))]),
                        .object([("type", .string("Metaspace"))] + metaspace),
                    ])
                ),
            ])
        ),
        (
            "post_processor",
            .object([
                ("type", .string("TemplateProcessing")),
                (
                    "single",
                    .array([
                        piece("SpecialToken", bosText), piece("Sequence", "A"),
                        piece("SpecialToken", eosText),
                    ])
                ),
                (
                    "pair",
                    .array([
                        piece("SpecialToken", bosText), piece("Sequence", "A"),
                        piece("SpecialToken", eosText),
                        piece("SpecialToken", eosText), piece("Sequence", "B"),
                        piece("SpecialToken", eosText),
                    ])
                ),
                (
                    "special_tokens",
                    .object(
                        [(bosText, 0), (eosText, 2)].map { text, id in
                            (
                                text,
                                .object([
                                    ("id", .string(text)), ("ids", .array([.number(Double(id))])),
                                    ("tokens", .array([.string(text)])),
                                ])
                            )
                        })
                ),
            ])
        ),
        ("decoder", .object([("type", .string("Metaspace"))] + metaspace)),
        (
            "model",
            .object([
                ("type", .string("Unigram")), ("unk_id", .number(3)), ("vocab", .array(pieces)),
                ("byte_fallback", .bool(false)),
            ])
        ),
    ]
    if !model.precompiledCharsmap.isEmpty {
        root.append(
            (
                "normalizer",
                .object([
                    ("type", .string("Precompiled")),
                    ("precompiled_charsmap", .string(Data(model.precompiledCharsmap).base64EncodedString())),
                ])
            ))
    }
    return .object(root)
}

/// BERT's `TemplateProcessing`: `cls A sep` and `cls A sep B sep`, the second segment and its
/// separator of type 1, as `BertConverter` and `DebertaV2Tokenizer` build it.
func bertTemplate(cls: String, clsId: Int, sep: String, sepId: Int) -> JSONValue {
    func template(_ names: [(String, String, Int)]) -> JSONValue {
        .array(
            names.map { kind, id, typeId in
                .object([(kind, .object([("id", .string(id)), ("type_id", .number(Double(typeId)))]))])
            })
    }
    return .object([
        ("type", .string("TemplateProcessing")),
        ("single", template([("SpecialToken", cls, 0), ("Sequence", "A", 0), ("SpecialToken", sep, 0)])),
        (
            "pair",
            template([
                ("SpecialToken", cls, 0), ("Sequence", "A", 0), ("SpecialToken", sep, 0),
                ("Sequence", "B", 1),
                ("SpecialToken", sep, 1),
            ])
        ),
        (
            "special_tokens",
            .object(
                [(cls, clsId), (sep, sepId)].map { text, id in
                    (
                        text,
                        .object([
                            ("id", .string(text)), ("ids", .array([.number(Double(id))])),
                            ("tokens", .array([.string(text)])),
                        ])
                    )
                })
        ),
    ])
}
