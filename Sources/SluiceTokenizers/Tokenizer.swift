import Foundation
import SluiceJSON

/// A Hugging Face tokenizer loaded from `tokenizer.json`, giving the same encodings as the
/// Python `tokenizers` library (ids, offsets in Unicode scalars of the input, masks, overflow).
///
/// The pipeline, as the reference's `TokenizerImpl`: added tokens are cut out, the rest is
/// normalized, pre-tokenized into words and tokenized by the model; then truncation, the
/// post-processor's special tokens and padding.
public struct Tokenizer: Sendable {
    let normalizer: (any Normalizer)?
    let preTokenizer: (any PreTokenizer)?
    let model: any TokenizationModel
    let postProcessor: (any PostProcessor)?
    let decoder: (any Decoder)?
    let addedVocabulary: AddedVocabulary

    /// Truncation applied by `encode`; read from the file, the caller may change or clear it.
    public var truncation: TruncationParameters?
    /// Padding applied by `encode`; read from the file, the caller may change or clear it.
    public var padding: PaddingParameters?

    /// Loads a tokenizer from the contents of a `tokenizer.json`.
    public init(json: Data) throws {
        try self.init(json: json, source: "tokenizer.json")
    }

    /// Loads a tokenizer from a `tokenizer.json` file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError("cannot read \(url.path): \(error.localizedDescription)")
        }
        do {
            try self.init(json: data, source: url.path)
        } catch let error as TokenizerError {
            throw TokenizerError("\(url.path): \(error.message)")
        }
    }

    init(json data: Data, source: String) throws {
        try self.init(root: JSONValue.parse(data, source: source))
    }

    /// Builds the tokenizer from a parsed `tokenizer.json` (or one assembled in memory).
    init(root value: JSONValue) throws {
        let root = try JSONObject(value, path: "tokenizer")
        if let version = try root.optionalString("version"), version != "1.0" {
            throw TokenizerError("unknown tokenizer.json version \"\(version)\"")
        }
        guard let modelJSON = root["model"] else {
            throw TokenizerError("tokenizer.model is missing")
        }
        let model = try makeModel(modelJSON, path: "model")
        let normalizer = try root["normalizer"].map { try makeNormalizer($0, path: "normalizer") }
        self.model = model
        self.normalizer = normalizer
        preTokenizer = try root["pre_tokenizer"].map { try makePreTokenizer($0, path: "pre_tokenizer") }
        postProcessor = try root["post_processor"].map { try makePostProcessor($0, path: "post_processor") }
        decoder = try root["decoder"].map { try makeDecoder($0, path: "decoder") }
        truncation = try root["truncation"].map {
            try TruncationParameters(json: JSONObject($0, path: "truncation"))
        }
        padding = try root["padding"].map { try PaddingParameters(json: JSONObject($0, path: "padding")) }
        let addedTokens = try
            (root["added_tokens"].map { value -> [JSONValue] in
                guard case .array(let items) = value else {
                    throw TokenizerError("added_tokens must be an array")
                }
                return items
            } ?? []).enumerated().map { index, item in
                try AddedToken(json: JSONObject(item, path: "added_tokens[\(index)]"))
            }
        addedVocabulary = AddedVocabulary(tokens: addedTokens, model: model, normalizer: normalizer)
    }

    /// Encodes a text, or a pair of texts, as `tokenizers.Tokenizer.encode` does.
    ///
    /// Throws when truncation cannot be honoured (for example `OnlySecond` without a pair) or
    /// the vocabulary lacks its unknown token.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) throws -> Encoding
    {
        try process(
            try encodeSequence(text, typeId: 0), pair: try pair.map { try encodeSequence($0, typeId: 1) },
            addSpecialTokens: addSpecialTokens)
    }

    /// Truncation, the post-processor (special tokens) and padding over encoded sequences:
    /// `TokenizerImpl::post_process`.
    func process(_ first: RawEncoding, pair second: RawEncoding?, addSpecialTokens: Bool) throws -> Encoding {
        var first = first
        var second = second
        if let truncation {
            var parameters = truncation
            let added = postProcessor?.addedTokenCount(isPair: second != nil) ?? 0
            var truncate = true
            if addSpecialTokens && added > 0 {
                // The reference subtracts in unsigned arithmetic: a limit smaller than the special
                // tokens wraps around to "no limit".
                if parameters.maxLength < added {
                    truncate = false
                } else {
                    parameters.maxLength -= added
                }
            }
            if truncate {
                try SluiceTokenizers.truncate(&first, pair: &second, with: parameters)
            }
        }

        var encoding: RawEncoding
        if let postProcessor {
            encoding = postProcessor.process(first, pair: second, addSpecialTokens: addSpecialTokens)
        } else {
            encoding = processWithoutPostProcessor(first, pair: second)
        }
        if let padding {
            encoding.pad(to: padding.targetLength(longest: encoding.count), with: padding)
        }
        return encoding.publicEncoding
    }

    /// One text through added tokens, normalizer, pre-tokenizer and model.
    func encodeSequence(_ text: String, typeId: Int) throws -> RawEncoding {
        var pre = addedVocabulary.extractAndNormalize(Array(text.unicodeScalars), normalizer: normalizer)
        preTokenizer?.preTokenize(&pre)
        var encoding = RawEncoding()
        for (wordIndex, split) in pre.splits.enumerated() {
            let tokens = try split.tokens ?? model.tokenize(split.normalized.normalized)
            let shift = split.normalized.originalShift
            for token in tokens {
                let offset: TokenOffset
                if let range = split.normalized.originalRange(ofNormalized: token.start..<token.end) {
                    offset = TokenOffset(start: shift + range.lowerBound, end: shift + range.upperBound)
                } else {
                    offset = TokenOffset(start: token.start, end: token.end)
                }
                encoding.ids.append(token.id)
                encoding.tokens.append(token.value)
                encoding.offsets.append(offset)
                encoding.words.append(wordIndex)
            }
        }
        let count = encoding.ids.count
        encoding.typeIds = Array(repeating: typeId, count: count)
        encoding.specialTokensMask = Array(repeating: 0, count: count)
        encoding.attentionMask = Array(repeating: 1, count: count)
        return encoding
    }

    /// Turns ids back into text with the file's decoder (WordPiece joins `##` pieces and
    /// cleans up spaces before punctuation), as `tokenizers.Tokenizer.decode`. Unknown ids are
    /// skipped; with `skipSpecialTokens`, so are special added tokens.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var tokens = [String]()
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = addedVocabulary.token(for: id) ?? model.idToToken(id) else { continue }
            if skipSpecialTokens && addedVocabulary.isSpecial(token) { continue }
            tokens.append(token)
        }
        return convertTokensToString(tokens)
    }

    /// Joins token strings into text with the file's decoder, or with spaces when it has none:
    /// transformers' `convert_tokens_to_string`. The strings need not be the vocabulary's:
    /// token classification joins pieces of the original text and words it decoded before.
    public func convertTokensToString(_ tokens: [String]) -> String {
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens)
    }

    /// The model's `continuing_subword_prefix` (`##` for WordPiece) when it has a non-empty one.
    var continuingSubwordPrefix: String? {
        let prefix =
            (model as? WordPiece)?.continuingSubwordPrefix ?? (model as? BPE)?.continuingSubwordPrefix
        guard let prefix, !prefix.isEmpty else { return nil }
        return prefix
    }

    /// The id of a token of the vocabulary or of the added tokens.
    public func tokenToId(_ token: String) -> Int? {
        addedVocabulary.id(for: token) ?? model.tokenToId(token)
    }

    /// The token string for an id, or `nil` if the id is unknown.
    public func idToToken(_ id: Int) -> String? {
        addedVocabulary.token(for: id) ?? model.idToToken(id)
    }

    /// The vocabulary size including added tokens, as `get_vocab_size(with_added_tokens=True)`.
    public var vocabularySize: Int {
        let overlapping = addedVocabulary.idsByContent.keys.filter { model.tokenToId($0.string) != nil }.count
        return model.vocabularySize + addedVocabulary.count - overlapping
    }
}
