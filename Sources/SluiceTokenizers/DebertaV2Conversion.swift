import Foundation
import SluiceJSON

/// transformers 5's `DebertaV2Tokenizer` built from a folder's `spm.model` (as
/// `TokenizersBackend._convert_from_sentencepiece` hands it the pieces, the unknown piece and
/// the precompiled map, and `DebertaV2Tokenizer.__init__` assembles them), as `tokenizer.json`:
///
/// - Unigram over the pieces in their order, without byte fallback;
/// - normalizers: `Lowercase` when `do_lower_case`, then the model's `Precompiled` map, `Strip`
///   on the right and runs of spaces made one (without a map: whitespace runs and `\n\r\t` made
///   one space, NFC, `Strip` on the right);
/// - pre-tokenizer: `Punctuation` (isolated) when `split_by_punct`, then `Metaspace`, prefixing
///   every piece between added tokens (`add_prefix_space`, default true) or only the first;
/// - `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]`, the second segment of type 1;
/// - the special tokens (`[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`, `[MASK]` unless the folder's
///   configs rename them) and the model's control pieces as added tokens matched in raw text,
///   a token the pieces lack taking the next id after them (`[MASK]` in DeBERTa-v3).
func debertaV2Definition(file: URL, settings: FolderSettings) throws -> JSONValue {
    let model = try SentencePieceModel(data: try Data(contentsOf: file), name: file.lastPathComponent)
    guard model.modelType == 1 else {
        throw TokenizerError(
            "\(file.lastPathComponent): only SentencePiece Unigram models can be converted "
                + "(model_type \(model.modelType))")
    }
    // SPECIAL_TOKENS_ATTRIBUTES' order, in which transformers adds the ones the pieces lack.
    let specials = [
        settings.specialToken("bos_token", default: "[CLS]"),
        settings.specialToken("eos_token", default: "[SEP]"),
        settings.specialToken("unk_token", default: "[UNK]"),
        settings.specialToken("sep_token", default: "[SEP]"),
        settings.specialToken("pad_token", default: "[PAD]"),
        settings.specialToken("cls_token", default: "[CLS]"),
        settings.specialToken("mask_token", default: "[MASK]"),
    ]
    let controls: [JSONValue] = model.pieces.filter { $0.type == 3 }.map { piece in
        .object([
            ("content", .string(piece.text)), ("single_word", .bool(false)), ("lstrip", .bool(false)),
            ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(true)),
        ])
    }
    let unk = content(of: specials[2])
    return debertaV2Tokenizer(
        pieces: model.pieces.map { ($0.text, Double($0.score)) },
        unkId: model.pieces.firstIndex { $0.text == unk && $0.score == 0 } ?? model.unkId,
        charsmap: model.precompiledCharsmap.isEmpty
            ? nil : Data(model.precompiledCharsmap).base64EncodedString(),
        addedTokens: specials + controls, settings: settings)
}

/// transformers 5's `DebertaV2Tokenizer` over a folder's `tokenizer.json`: the class keeps only
/// the file's Unigram pieces, unknown piece, precompiled map and added tokens, and rebuilds the
/// rest from `tokenizer_config.json` (`convert_to_native_format`, then `__init__`), so a file
/// written by transformers 4 (`Strip` on both sides before the map) answers as transformers 5
/// builds it. nil for a file whose model is not Unigram.
func debertaV2Tokenizer(rebuilding root: JSONValue, settings: FolderSettings) -> JSONValue? {
    guard let model = root["model"], model["type"]?.stringValue == "Unigram",
        let vocabulary = model["vocab"]?.arrayValue
    else { return nil }
    var pieces: [(String, Double)] = []
    for entry in vocabulary {
        guard let pair = entry.arrayValue, pair.count == 2, let text = pair[0].stringValue,
            let score = pair[1].doubleValue
        else { return nil }
        pieces.append((text, score))
    }
    var normalizers = root["normalizer"].map { [$0] } ?? []
    if let sequence = normalizers.first?["normalizers"]?.arrayValue { normalizers = sequence }
    let charsmap = normalizers.first { $0["type"]?.stringValue == "Precompiled" }?["precompiled_charsmap"]?
        .stringValue
    let unk = settings.specialTokenText("unk_token") ?? "[UNK]"
    return debertaV2Tokenizer(
        pieces: pieces,
        unkId: pieces.firstIndex { $0.0 == unk && $0.1 == 0 } ?? model["unk_id"]?.integralValue ?? 1,
        charsmap: charsmap, addedTokens: root["added_tokens"]?.arrayValue ?? [], settings: settings)
}

/// `DebertaV2Tokenizer.__init__`'s pipeline around Unigram `pieces`, `addedTokens` in the order
/// transformers adds them (a token the pieces lack takes the next id after them).
private func debertaV2Tokenizer(
    pieces: [(String, Double)], unkId: Int, charsmap: String?, addedTokens: [JSONValue],
    settings: FolderSettings
) -> JSONValue {
    var ids: [String: Int] = [:]
    for (index, piece) in pieces.enumerated() where ids[piece.0] == nil { ids[piece.0] = index }
    var next = pieces.count
    for token in addedTokens where ids[content(of: token)] == nil {
        ids[content(of: token)] = next
        next += 1
    }
    let prependScheme: JSONValue = .string(settings.bool("add_prefix_space") ?? true ? "always" : "first")
    let metaspace: [(key: String, value: JSONValue)] = [
        ("type", .string("Metaspace")), ("replacement", .string("\u{2581}")),
        ("prepend_scheme", prependScheme),
        ("split", .bool(true)),
    ]
    func replace(_ pattern: String) -> JSONValue {
        .object([
            ("type", .string("Replace")), ("pattern", .object([("Regex", .string(pattern))])),
            ("content", .string(" ")),
        ])
    }
    let stripRight: JSONValue = .object([
        ("type", .string("Strip")), ("strip_left", .bool(false)), ("strip_right", .bool(true)),
    ])
    var normalizers: [JSONValue] =
        settings.bool("do_lower_case") == true ? [.object([("type", "Lowercase")])] : []
    if let charsmap {
        normalizers += [
            .object([("type", .string("Precompiled")), ("precompiled_charsmap", .string(charsmap))]),
            stripRight, replace(" {2,}"),
        ]
    } else {
        normalizers += [replace("\\s{2,}|[\\n\\r\\t]"), .object([("type", "NFC")]), stripRight]
    }
    var preTokenizers: [JSONValue] =
        settings.bool("split_by_punct") == true
        ? [.object([("type", "Punctuation"), ("behavior", "Isolated")])] : []
    preTokenizers.append(.object(metaspace))
    let cls = settings.specialTokenText("cls_token") ?? "[CLS]"
    let sep = settings.specialTokenText("sep_token") ?? "[SEP]"
    return .object([
        ("added_tokens", .array(addedTokens)),
        ("normalizer", .object([("type", "Sequence"), ("normalizers", .array(normalizers))])),
        ("pre_tokenizer", .object([("type", "Sequence"), ("pretokenizers", .array(preTokenizers))])),
        ("post_processor", bertTemplate(cls: cls, clsId: ids[cls] ?? 0, sep: sep, sepId: ids[sep] ?? 0)),
        ("decoder", .object(metaspace)),
        (
            "model",
            .object([
                ("type", .string("Unigram")), ("unk_id", .number(Double(unkId))),
                ("vocab", .array(pieces.map { .array([.string($0.0), .number($0.1)]) })),
                ("byte_fallback", .bool(false)),
            ])
        ),
    ])
}
