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
    guard text.unicodeScalars.contains(" ") else { return text }
    return
        text
        .replacingAll(" .", with: ".")
        .replacingAll(" ?", with: "?")
        .replacingAll(" !", with: "!")
        .replacingAll(" ,", with: ",")
        .replacingAll(" ' ", with: "'")
        .replacingAll(" n't", with: "n't")
        .replacingAll(" 'm", with: "'m")
        .replacingAll(" do not", with: " don't")
        .replacingAll(" 's", with: "'s")
        .replacingAll(" 've", with: "'ve")
        .replacingAll(" 're", with: "'re")
}

extension String {
    /// Rust's `str::replace`: non-overlapping occurrences, left to right, compared by scalars.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let source = Array(unicodeScalars)
        let pattern = Array(target.unicodeScalars)
        guard !pattern.isEmpty, source.count >= pattern.count else { return self }
        var result = String.UnicodeScalarView()
        var index = 0
        var found = false
        while index < source.count {
            if index + pattern.count <= source.count && source[index] == pattern[0]
                && source[index..<(index + pattern.count)].elementsEqual(pattern)
            {
                result.append(contentsOf: replacement.unicodeScalars)
                index += pattern.count
                found = true
            } else {
                result.append(source[index])
                index += 1
            }
        }
        return found ? String(result) : self
    }
}

/// Applies decoders one after the other, each on the previous one's output tokens.
struct SequenceDecoder: Decoder {
    var decoders: [any Decoder]

    func decodeChain(_ tokens: [String]) -> [String] {
        decoders.reduce(tokens) { tokens, decoder in decoder.decodeChain(tokens) }
    }
}
