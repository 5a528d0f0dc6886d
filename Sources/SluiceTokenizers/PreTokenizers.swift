import SluiceJSON

/// A pre-tokenizer cuts the normalized input into words before the model sees them.
protocol PreTokenizer: Sendable {
    func preTokenize(_ string: inout PreTokenizedString)
}

/// Builds the pre-tokenizer that a `tokenizer.json` `pre_tokenizer` section describes.
func makePreTokenizer(_ value: JSONValue, path: String) throws -> any PreTokenizer {
    try makeComponent(
        value, path: path, section: "pre_tokenizer",
        sequence: ("pretokenizers", { SequencePreTokenizer(preTokenizers: $0) })
    ) { type, json in
        switch type {
        case "BertPreTokenizer":
            return BertPreTokenizer()
        case "Whitespace":
            return WhitespacePreTokenizer()
        case "WhitespaceSplit":
            return WhitespaceSplitPreTokenizer()
        case "ByteLevel":
            return ByteLevelPreTokenizer(
                addPrefixSpace: try json.bool("add_prefix_space", default: true),
                useRegex: try json.bool("use_regex", default: true))
        case "Metaspace":
            return try MetaspacePreTokenizer(json: json)
        case "Punctuation":
            return PunctuationPreTokenizer(
                behavior: try .init(json: json["behavior"], path: "\(path).behavior", default: .isolated))
        case "Digits":
            return DigitsPreTokenizer(individualDigits: try json.bool("individual_digits", default: false))
        case "Split":
            return SplitPreTokenizer(
                pattern: try TextPattern(json: json["pattern"] ?? .null, path: "\(path).pattern"),
                behavior: try .init(json: json["behavior"], path: "\(path).behavior", default: .removed),
                invert: try json.bool("invert", default: false))
        default:
            return nil
        }
    }
}

/// BERT's pre-tokenizer: splits on whitespace (removed), then isolates every punctuation
/// character. Mirrors `tokenizers::pre_tokenizers::bert::BertPreTokenizer`.
struct BertPreTokenizer: PreTokenizer {
    func preTokenize(_ string: inout PreTokenizedString) {
        // One pass gives the same pieces as the reference's two splits (whitespace removed,
        // then punctuation isolated), without building the intermediate pieces.
        string.splitPieces { normalized in
            let scalars = normalized.normalized
            var matches = [(Range<Int>, Bool)]()
            var start = 0
            for index in 0..<scalars.count {
                let scalar = scalars[index]
                if isUnicodeWhitespace(scalar) {
                    if start < index { matches.append((start..<index, false)) }
                    matches.append((index..<index + 1, true))
                    start = index + 1
                } else if isBertPunctuation(scalar) {
                    if start < index { matches.append((start..<index, false)) }
                    matches.append((index..<index + 1, false))
                    start = index + 1
                }
            }
            if start < scalars.count { matches.append((start..<scalars.count, false)) }
            return normalized.split(matches: matches, behavior: .removed)
        }
    }
}

/// Splits on whitespace, removing it.
struct WhitespaceSplitPreTokenizer: PreTokenizer {
    func preTokenize(_ string: inout PreTokenizedString) {
        string.splitPieces { $0.split(where: isUnicodeWhitespace, behavior: .removed) }
    }
}

/// Keeps runs of word characters and runs of other non-space characters (regex
/// `\w+|[^\w\s]+`), dropping whitespace.
struct WhitespacePreTokenizer: PreTokenizer {
    func preTokenize(_ string: inout PreTokenizedString) {
        string.splitPieces { normalized in
            // Classes: 0 whitespace, 1 word, 2 other.
            let scalars = normalized.normalized
            var matches = [(Range<Int>, Bool)]()
            var index = 0
            var lastEnd = 0
            while index < scalars.count {
                let kind = characterKind(scalars[index])
                if kind == 0 {
                    index += 1
                    continue
                }
                var end = index + 1
                while end < scalars.count && characterKind(scalars[end]) == kind { end += 1 }
                if lastEnd < index { matches.append((lastEnd..<index, true)) }
                matches.append((index..<end, false))
                lastEnd = end
                index = end
            }
            if lastEnd < scalars.count { matches.append((lastEnd..<scalars.count, true)) }
            return normalized.split(matches: matches, behavior: .removed)
        }
    }

    private func characterKind(_ scalar: Unicode.Scalar) -> Int {
        if isRegexWordCharacter(scalar) { return 1 }
        return isUnicodeWhitespace(scalar) ? 0 : 2
    }
}

/// Applies pre-tokenizers one after the other.
struct SequencePreTokenizer: PreTokenizer {
    var preTokenizers: [any PreTokenizer]

    func preTokenize(_ string: inout PreTokenizedString) {
        for preTokenizer in preTokenizers {
            preTokenizer.preTokenize(&string)
        }
    }
}
