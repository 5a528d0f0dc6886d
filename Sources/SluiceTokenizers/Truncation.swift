import SluiceJSON

/// How to cut encodings that are too long; the `truncation` section of `tokenizer.json`.
public struct TruncationParameters: Sendable, Equatable {
    /// Which text loses tokens.
    public enum Strategy: String, Sendable, Equatable {
        /// Take tokens from the longer text, one at a time, until the pair fits.
        case longestFirst = "LongestFirst"
        /// Only the first text loses tokens.
        case onlyFirst = "OnlyFirst"
        /// Only the second text (the pair) loses tokens.
        case onlySecond = "OnlySecond"
    }

    /// Which end of a text loses tokens.
    public enum Direction: String, Sendable, Equatable {
        /// Drop tokens from the start.
        case left = "Left"
        /// Drop tokens from the end.
        case right = "Right"
    }

    /// The most tokens an encoding may have, special tokens included.
    public var maxLength: Int
    /// How many tokens consecutive overflowing windows share.
    public var stride: Int
    /// Which text loses tokens.
    public var strategy: Strategy
    /// Which end of a text loses tokens.
    public var direction: Direction

    /// Creates truncation settings; the defaults are the reference's.
    public init(
        maxLength: Int, stride: Int = 0, strategy: Strategy = .longestFirst, direction: Direction = .right
    ) {
        self.maxLength = maxLength
        self.stride = stride
        self.strategy = strategy
        self.direction = direction
    }

    init(json: JSONObject) throws {
        maxLength = try json.int("max_length")
        stride = try json.optionalInt("stride") ?? 0
        strategy = try json.choice("strategy", default: .longestFirst, naming: "truncation strategy")
        direction = try json.choice("direction", default: .right, naming: "truncation direction")
    }
}

/// Truncates one encoding, or a pair, to `parameters.maxLength` tokens in total.
/// Mirrors `tokenizers::utils::truncation::truncate_encodings`.
func truncate(
    _ encoding: inout RawEncoding, pair: inout RawEncoding?, with parameters: TruncationParameters
) throws {
    let maxLength = parameters.maxLength
    if maxLength == 0 {
        try encoding.truncate(maxLength: 0, stride: parameters.stride, direction: parameters.direction)
        try pair?.truncate(maxLength: 0, stride: parameters.stride, direction: parameters.direction)
        return
    }
    let total = encoding.count + (pair?.count ?? 0)
    guard total > maxLength else { return }
    let toRemove = total - maxLength

    switch parameters.strategy {
    case .longestFirst:
        guard var second = pair else {
            try encoding.truncate(
                maxLength: total - toRemove, stride: parameters.stride, direction: parameters.direction)
            return
        }
        var n1 = encoding.count
        var n2 = second.count
        let swapped = n1 > n2
        if swapped { swap(&n1, &n2) }
        if n1 > maxLength {
            n2 = n1
        } else {
            n2 = max(n1, maxLength - n1)
        }
        if n1 + n2 > maxLength {
            n1 = maxLength / 2
            n2 = n1 + maxLength % 2
        }
        if swapped { swap(&n1, &n2) }
        try encoding.truncate(maxLength: n1, stride: parameters.stride, direction: parameters.direction)
        try second.truncate(maxLength: n2, stride: parameters.stride, direction: parameters.direction)
        pair = second
    case .onlyFirst:
        try truncateOne(&encoding, removing: toRemove, parameters)
    case .onlySecond:
        guard var second = pair else {
            throw TokenizerError("truncation: strategy OnlySecond needs a second sequence")
        }
        try truncateOne(&second, removing: toRemove, parameters)
        pair = second
    }
}

private func truncateOne(
    _ encoding: inout RawEncoding, removing toRemove: Int, _ parameters: TruncationParameters
) throws {
    guard encoding.count > toRemove else {
        throw TokenizerError(
            "truncation: the sequence to truncate is too short to respect max_length "
                + "\(parameters.maxLength) with strategy \(parameters.strategy.rawValue)")
    }
    try encoding.truncate(
        maxLength: encoding.count - toRemove, stride: parameters.stride, direction: parameters.direction)
}
