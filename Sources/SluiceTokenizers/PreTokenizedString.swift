/// A token produced by a model or an added token: its id, its text, and the normalized scalar
/// range it covers inside its split.
struct Token: Sendable {
    var id: Int
    var value: String
    var start: Int
    var end: Int
}

/// The input cut into splits, each normalized on its own and, once tokenized, holding its
/// tokens. Mirrors `tokenizers::PreTokenizedString`: splits that already have tokens (added
/// tokens) are left alone by later splitting and by the model.
struct PreTokenizedString: Sendable {
    struct Split: Sendable {
        var normalized: NormalizedString
        var tokens: [Token]?
    }

    var splits: [Split]

    init(_ scalars: [Unicode.Scalar]) {
        splits = [Split(normalized: NormalizedString(scalars), tokens: nil)]
    }

    /// Replaces every split without tokens by the splits `body` returns; empty ones are dropped.
    mutating func split(_ body: (NormalizedString) throws -> [Split]) rethrows {
        var result = [Split]()
        result.reserveCapacity(splits.count)
        for split in splits {
            if split.tokens != nil {
                result.append(split)
                continue
            }
            for piece in try body(split.normalized) where !piece.normalized.isEmpty {
                result.append(piece)
            }
        }
        splits = result
    }

    /// Splits every untokenized split with `body`, which returns plain pieces.
    mutating func splitPieces(_ body: (NormalizedString) -> [NormalizedString]) {
        split { normalized in body(normalized).map { Split(normalized: $0, tokens: nil) } }
    }
}
