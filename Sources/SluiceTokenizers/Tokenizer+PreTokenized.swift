extension Tokenizer {
    /// Encodes a text already split into words, as `tokenizers.Tokenizer.encode(words,
    /// is_pretokenized=True)` does: each word goes through added tokens, normalizer,
    /// pre-tokenizer and model on its own, its tokens carry the word's index as word id, and
    /// their offsets are relative to that word (not to the words joined).
    public func encode(
        words: [String], pair: [String]? = nil, addSpecialTokens: Bool = true
    ) throws -> Encoding {
        try process(
            try encodeWords(words, typeId: 0), pair: try pair.map { try encodeWords($0, typeId: 1) },
            addSpecialTokens: addSpecialTokens)
    }

    /// `InputSequence::PreTokenized`: one sequence per word, merged without shifting offsets.
    private func encodeWords(_ words: [String], typeId: Int) throws -> RawEncoding {
        let encodings = try words.enumerated().map { index, word in
            var encoding = try encodeSequence(word, typeId: typeId)
            encoding.words = Array(repeating: index, count: encoding.count)
            return encoding
        }
        return RawEncoding.merge(encodings)
    }
}
