import SluiceJSON

/// A decoder turns token strings back into text.
protocol Decoder: Sendable {
    /// The reference's `decode_chain`: each token rewritten; the results are concatenated.
    func decodeChain(_ tokens: [String]) -> [String]
}

extension Decoder {
    func decode(_ tokens: [String]) -> String {
        decodeChain(tokens).joined()
    }
}

/// Builds the decoder that a `tokenizer.json` `decoder` section describes.
func makeDecoder(_ value: JSONValue, path: String) throws -> any Decoder {
    try makeComponent(
        value, path: path, section: "decoder", sequence: ("decoders", { SequenceDecoder(decoders: $0) })
    ) { type, json in
        switch type {
        case "WordPiece":
            return WordPieceDecoder(
                prefix: try json.optionalString("prefix") ?? "##",
                cleanup: try json.bool("cleanup", default: true))
        case "ByteLevel":
            return ByteLevelDecoder()
        case "Metaspace":
            return MetaspaceDecoder(
                replacement: try metaspaceReplacement(json), prependScheme: try PrependScheme(json: json))
        case "BPEDecoder":
            return BPEDecoder(suffix: try json.optionalString("suffix") ?? "</w>")
        case "ByteFallback":
            return ByteFallbackDecoder()
        case "Fuse":
            return FuseDecoder()
        case "Strip":
            let content = try json.string("content")
            guard content.unicodeScalars.count == 1 else {
                throw TokenizerError("\(path).content must be one character")
            }
            return StripDecoder(
                content: content.unicodeScalars.first!, start: try json.int("start"),
                stop: try json.int("stop"))
        case "Replace":
            return ReplaceDecoder(
                pattern: try TextPattern(json: json["pattern"] ?? .null, path: "\(path).pattern"),
                content: try json.string("content"))
        case "CTC":
            return CTCDecoder(
                padToken: try json.optionalString("pad_token") ?? "<pad>",
                wordDelimiterToken: try json.optionalString("word_delimiter_token") ?? "|",
                cleanup: try json.bool("cleanup", default: true))
        default:
            return nil
        }
    }
}

/// Joins WordPiece tokens: a continuation (`##ing`) is glued to the previous token, any other
/// token gets a space before it. Mirrors `tokenizers::decoders::wordpiece::WordPiece`.
struct WordPieceDecoder: Decoder {
    var prefix: String
    var cleanup: Bool

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var text = token
            if index != 0 {
                if !prefix.isEmpty, text.hasExactPrefix(prefix) {
                    text = String(text.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
                } else if prefix.isEmpty {
                    // `strip_prefix("")` always succeeds in the reference.
                } else {
                    text = " " + text
                }
            }
            return cleanup ? cleanUpTokenization(text) : text
        }
    }
}

/// The reference's `cleanup`: removes the space before punctuation and English contractions.
/// Applied per token, as the reference does.
func cleanUpTokenization(_ text: String) -> String {
    text.replacingAll(wordPieceCleanup)
}

/// The reference's `cleanup` replacements, in its order.
private let wordPieceCleanup = ScalarReplacements([
    (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
    (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
])

/// Replacements applied one after the other, each to the previous one's result, as chained
/// `str::replace` calls; every pattern begins with the same scalar (a space, for the clean-ups).
struct ScalarReplacements: Sendable {
    let pairs: [(pattern: [Unicode.Scalar], replacement: [Unicode.Scalar])]
    let first: Unicode.Scalar

    init(_ pairs: [(String, String)]) {
        self.pairs = pairs.map { (Array($0.unicodeScalars), Array($1.unicodeScalars)) }
        first = self.pairs[0].pattern[0]
        precondition(self.pairs.allSatisfy { $0.pattern.first == first })
    }
}

extension String {
    /// Rust's `str::replace`: non-overlapping occurrences, left to right, compared by scalars.
    func replacingAll(_ target: String, with replacement: String) -> String {
        var scalars = Array(unicodeScalars)
        guard scalars.replaceAll(Array(target.unicodeScalars), with: Array(replacement.unicodeScalars)) else {
            return self
        }
        return String(scalars: scalars)
    }

    /// Each replacement in turn, as `replacingAll`; the scalars are copied once, and a new string
    /// made only when something was replaced.
    func replacingAll(_ replacements: ScalarReplacements) -> String {
        guard unicodeScalars.contains(replacements.first) else { return self }
        var scalars = Array(unicodeScalars)
        var replaced = false
        for (pattern, replacement) in replacements.pairs {
            replaced = scalars.replaceAll(pattern, with: replacement) || replaced
        }
        return replaced ? String(scalars: scalars) : self
    }
}

extension Array where Element == Unicode.Scalar {
    /// Rust's `str::replace` in place: non-overlapping occurrences of `pattern`, left to right;
    /// an empty pattern occurs before every scalar and at the end, as in Rust and Python.
    /// Returns whether anything was replaced (nothing is copied when nothing is).
    mutating func replaceAll(_ pattern: [Unicode.Scalar], with replacement: [Unicode.Scalar]) -> Bool {
        if pattern.isEmpty {
            guard !replacement.isEmpty else { return false }
            self = flatMap { replacement + [$0] } + replacement
            return true
        }
        guard count >= pattern.count else { return false }
        let last = count - pattern.count
        func matches(at index: Int) -> Bool {
            index <= last && self[index] == pattern[0]
                && self[index..<(index + pattern.count)].elementsEqual(pattern)
        }
        guard var index = (0...last).first(where: matches) else { return false }
        var result = Array(self[..<index])
        result.reserveCapacity(count)
        while index < count {
            if matches(at: index) {
                result.append(contentsOf: replacement)
                index += pattern.count
            } else {
                result.append(self[index])
                index += 1
            }
        }
        self = result
        return true
    }
}

/// Applies decoders one after the other, each on the previous one's output tokens.
struct SequenceDecoder: Decoder {
    var decoders: [any Decoder]

    func decodeChain(_ tokens: [String]) -> [String] {
        decoders.reduce(tokens) { tokens, decoder in decoder.decodeChain(tokens) }
    }
}
