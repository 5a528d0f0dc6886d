/// A character range in the original input, in Unicode scalars (what Python's string indices
/// count), end exclusive. Special tokens added by the post-processor have `0..<0`.
public struct TokenOffset: Equatable, Sendable, Hashable {
    /// The first scalar of the range.
    public var start: Int
    /// One past the last scalar of the range.
    public var end: Int

    /// Creates an offset pair.
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}

/// The result of encoding a text (or a text pair), field for field as `tokenizers.Encoding`.
public struct Encoding: Equatable, Sendable {
    /// Token ids.
    public var ids: [Int]
    /// Segment ids (0 for the first text, 1 for the pair in BERT).
    public var typeIds: [Int]
    /// Token strings.
    public var tokens: [String]
    /// Where each token comes from in its original text.
    public var offsets: [TokenOffset]
    /// 1 for special tokens added by the post-processor and for padding, else 0.
    public var specialTokensMask: [Int]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int]
    /// 0 or 1 for tokens of the first or second text, `nil` for added special tokens.
    public var sequenceIds: [Int?]
    /// The index of the word (pre-tokenizer split) each token belongs to, `nil` for specials.
    public var wordIds: [Int?]
    /// The windows that truncation cut off, each a complete encoding.
    public var overflowing: [Encoding]

    /// Creates an encoding from its fields.
    public init(
        ids: [Int], typeIds: [Int], tokens: [String], offsets: [TokenOffset],
        specialTokensMask: [Int], attentionMask: [Int], sequenceIds: [Int?], wordIds: [Int?],
        overflowing: [Encoding]
    ) {
        self.ids = ids
        self.typeIds = typeIds
        self.tokens = tokens
        self.offsets = offsets
        self.specialTokensMask = specialTokensMask
        self.attentionMask = attentionMask
        self.sequenceIds = sequenceIds
        self.wordIds = wordIds
        self.overflowing = overflowing
    }

    /// The number of tokens.
    public var count: Int { ids.count }
}
