import SluiceJSON

/// RoBERTa's post-processor: `<s> A </s>` and `<s> A </s> </s> B </s>`, every type id 0, and
/// byte-level offset trimming. Mirrors `tokenizers::processors::roberta::RobertaProcessing`.
struct RobertaProcessing: PostProcessor {
    var sep: (token: String, id: Int)
    var cls: (token: String, id: Int)
    var trimOffsets: Bool
    var addPrefixSpace: Bool

    init(json: JSONObject) throws {
        sep = try BertProcessing.tokenAndId(json, "sep")
        cls = try BertProcessing.tokenAndId(json, "cls")
        trimOffsets = try json.bool("trim_offsets", default: true)
        addPrefixSpace = try json.bool("add_prefix_space", default: true)
    }

    func addedTokenCount(isPair: Bool) -> Int { isPair ? 4 : 2 }

    func processEncodings(_ encodings: [RawEncoding], addSpecialTokens: Bool) -> [RawEncoding] {
        var encodings = encodings
        for index in encodings.indices {
            if trimOffsets {
                trimByteLevelOffsets(&encodings[index], addPrefixSpace: addPrefixSpace)
            }
            encodings[index].setTypeIds(0)
        }
        guard addSpecialTokens else { return encodings }
        return encodings.enumerated().map { index, encoding in
            var result = wrap(encoding, sequence: index)
            result.overflowing = encoding.overflowing.map { wrap($0, sequence: index) }
            return result
        }
    }

    /// `<s> ids </s>` for the first text, `</s> ids </s>` for the second.
    private func wrap(_ encoding: RawEncoding, sequence: Int) -> RawEncoding {
        let first = sequence == 0 ? cls : sep
        let count = encoding.count
        var result = RawEncoding(
            ids: [first.id] + encoding.ids + [sep.id], typeIds: Array(repeating: 0, count: count + 2),
            tokens: [first.token] + encoding.tokens + [sep.token], words: [nil] + encoding.words + [nil],
            offsets: [TokenOffset(start: 0, end: 0)] + encoding.offsets + [TokenOffset(start: 0, end: 0)],
            specialTokensMask: [1] + Array(repeating: 0, count: count) + [1],
            attentionMask: Array(repeating: 1, count: count + 2))
        result.sequenceRanges = [sequence: 1..<(count + 1)]
        return result
    }
}

/// The byte-level post-processor: only trims offsets (see `trimByteLevelOffsets`).
struct ByteLevelProcessing: PostProcessor {
    var trimOffsets: Bool
    var addPrefixSpace: Bool

    func addedTokenCount(isPair: Bool) -> Int { 0 }

    func processEncodings(_ encodings: [RawEncoding], addSpecialTokens: Bool) -> [RawEncoding] {
        var encodings = encodings
        for index in encodings.indices {
            if trimOffsets {
                trimByteLevelOffsets(&encodings[index], addPrefixSpace: addPrefixSpace)
            }
            encodings[index].setSequenceId(index)
        }
        return encodings
    }
}

/// Applies post-processors one after the other.
struct SequencePostProcessor: PostProcessor {
    var processors: [any PostProcessor]

    func addedTokenCount(isPair: Bool) -> Int {
        processors.reduce(0) { $0 + $1.addedTokenCount(isPair: isPair) }
    }

    func processEncodings(_ encodings: [RawEncoding], addSpecialTokens: Bool) -> [RawEncoding] {
        processors.reduce(encodings) { $1.processEncodings($0, addSpecialTokens: addSpecialTokens) }
    }
}
