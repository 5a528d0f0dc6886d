/// Turns `▁` back into spaces; in the first token it is dropped (unless the prepend scheme
/// is "never"). Mirrors `tokenizers::pre_tokenizers::metaspace::Metaspace` as a decoder.
struct MetaspaceDecoder: Decoder {
    var replacement: Unicode.Scalar
    var prependScheme: PrependScheme

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var result = String.UnicodeScalarView()
            for scalar in token.unicodeScalars {
                if scalar == replacement {
                    if index == 0 && prependScheme != .never { continue }
                    result.append(" ")
                } else {
                    result.append(scalar)
                }
            }
            return String(result)
        }
    }
}

/// Replaces the end-of-word suffix by a space (nothing after the last token).
struct BPEDecoder: Decoder {
    var suffix: String

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            token.replacingAll(suffix, with: index == tokens.count - 1 ? "" : " ")
        }
    }
}

/// Turns runs of `<0xAB>` byte tokens back into text; an invalid UTF-8 run becomes one
/// replacement character per byte.
struct ByteFallbackDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var result = [String]()
        var pending = [UInt8]()
        func flush() {
            guard !pending.isEmpty else { return }
            if let text = String(validating: pending, as: UTF8.self) {
                result.append(text)
            } else {
                result.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for token in tokens {
            if let byte = Self.byte(token) {
                pending.append(byte)
            } else {
                flush()
                result.append(token)
            }
        }
        flush()
        return result
    }

    private static func byte(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"),
            utf8[2] == UInt8(ascii: "x"), utf8[5] == UInt8(ascii: ">")
        else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }
}

/// Joins all tokens into one.
struct FuseDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}

/// Removes up to `start` leading and `stop` trailing occurrences of `content` from each token.
struct StripDecoder: Decoder {
    var content: Unicode.Scalar
    var start: Int
    var stop: Int

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let scalars = Array(token.unicodeScalars)
            var startCut = 0
            for index in 0..<min(start, scalars.count) {
                guard scalars[index] == content else { break }
                startCut = index + 1
            }
            var stopCut = scalars.count
            for offset in 0..<min(stop, scalars.count) {
                let index = scalars.count - offset - 1
                guard scalars[index] == content else { break }
                stopCut = index
            }
            return stopCut > startCut ? String(scalars: scalars[startCut..<stopCut]) : ""
        }
    }
}

/// Replaces every match of a pattern by a fixed content in each token.
struct ReplaceDecoder: Decoder {
    var pattern: TextPattern
    var content: String

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let scalars = Array(token.unicodeScalars)
            var result = String.UnicodeScalarView()
            for (range, isMatch) in pattern.matches(in: scalars) {
                if isMatch {
                    result.append(contentsOf: content.unicodeScalars)
                } else {
                    result.append(contentsOf: scalars[range])
                }
            }
            return String(result)
        }
    }
}

/// CTC output: repeated tokens collapse, padding disappears, the word delimiter becomes a space.
struct CTCDecoder: Decoder {
    var padToken: String
    var wordDelimiterToken: String
    var cleanup: Bool

    func decodeChain(_ tokens: [String]) -> [String] {
        var result = [String]()
        var previous: String?
        for token in tokens {
            if let previous, previous.isExactly(token) { continue }
            previous = token
            var text = token.replacingAll(padToken, with: "")
            if cleanup {
                text = cleanUpTokenization(text).replacingAll(wordDelimiterToken, with: " ")
            }
            if !text.isEmpty { result.append(text) }
        }
        return result
    }
}
