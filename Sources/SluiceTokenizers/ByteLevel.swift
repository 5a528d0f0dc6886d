/// GPT-2's byte-level alphabet: every byte is shown as a printable character (`Ġ` for a space),
/// so that any text is a sequence of vocabulary characters. Mirrors
/// `tokenizers::pre_tokenizers::byte_level`.
enum ByteLevelAlphabet {
    /// The stand-in character of each byte.
    static let characters: [Unicode.Scalar] = {
        var printable = [Int]()
        printable += Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for byte in printable { table[byte] = Unicode.Scalar(UInt32(byte))! }
        var shifted: UInt32 = 0
        for byte in 0..<256 where !printable.contains(byte) {
            table[byte] = Unicode.Scalar(256 + shifted)!
            shifted += 1
        }
        return table
    }()

    /// The byte of each stand-in character (indexed by scalar value, below 0x144), or -1.
    static let bytes: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in characters.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    static func byte(of scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < bytes.count, bytes[value] >= 0 else { return nil }
        return UInt8(bytes[value])
    }
}

extension NormalizedString {
    /// Replaces every scalar by the stand-ins of its UTF-8 bytes; all of them keep the
    /// scalar's alignment.
    mutating func mapToByteLevel() {
        let table = ByteLevelAlphabet.characters
        var scalars = [Unicode.Scalar]()
        var newAlignments = [TokenOffset]()
        scalars.reserveCapacity(normalized.count + normalized.count / 4)
        newAlignments.reserveCapacity(normalized.count + normalized.count / 4)
        for index in 0..<normalized.count {
            let scalar = normalized[index]
            let alignment = alignments[index]
            if scalar.value < 0x80 {
                scalars.append(table[Int(scalar.value)])
                newAlignments.append(alignment)
                continue
            }
            for byte in UTF8.encode(scalar)! {
                scalars.append(table[Int(byte)])
                newAlignments.append(alignment)
            }
        }
        normalized = scalars
        alignments = newAlignments
    }
}

/// The byte-level pre-tokenizer: optionally a space before the text, GPT-2's split
/// (`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`), then every
/// byte mapped to its stand-in.
struct ByteLevelPreTokenizer: PreTokenizer {
    var addPrefixSpace: Bool
    var useRegex: Bool

    func preTokenize(_ string: inout PreTokenizedString) {
        string.splitPieces { piece in
            var normalized = piece
            if addPrefixSpace && normalized.normalized.first != " " {
                normalized.prepend([" "])
            }
            guard useRegex else { return [normalized] }
            return normalized.split(matches: gpt2Matches(normalized.normalized), behavior: .isolated)
        }
        for index in string.splits.indices where string.splits[index].tokens == nil {
            string.splits[index].normalized.mapToByteLevel()
        }
    }
}

/// The GPT-2 pattern's matches, found by hand: the pattern is a fixed alternation, and
/// leftmost-first alternation makes each position's match depend only on the character kinds.
func gpt2Matches(_ text: [Unicode.Scalar]) -> [(Range<Int>, Bool)] {
    if text.isEmpty { return [(0..<0, false)] }
    var result = [(Range<Int>, Bool)]()
    let count = text.count
    var index = 0
    while index < count {
        let end = gpt2MatchEnd(text, from: index)
        result.append((index..<end, true))
        index = end
    }
    return result
}

private enum CharacterKind { case letter, number, space, other }

@inline(__always)
private func kind(_ scalar: Unicode.Scalar) -> CharacterKind {
    let value = scalar.value
    if value < 0x80 {
        if (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A) { return .letter }
        if value >= 0x30 && value <= 0x39 { return .number }
        if value == 0x20 || (value >= 0x09 && value <= 0x0D) { return .space }
        return .other
    }
    if scalar.properties.isWhitespace { return .space }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
        return .letter
    case .decimalNumber, .letterNumber, .otherNumber:
        return .number
    default:
        return .other
    }
}

private func gpt2MatchEnd(_ text: [Unicode.Scalar], from start: Int) -> Int {
    let count = text.count
    let first = text[start]
    // 's|'t|'re|'ve|'m|'ll|'d
    if first == "'" && start + 1 < count {
        switch text[start + 1] {
        case "s", "t", "m", "d": return start + 2
        case "r" where start + 2 < count && text[start + 2] == "e": return start + 3
        case "v" where start + 2 < count && text[start + 2] == "e": return start + 3
        case "l" where start + 2 < count && text[start + 2] == "l": return start + 3
        default: break
        }
    }
    // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
    var body = start
    if first == " " && start + 1 < count && kind(text[start + 1]) != .space { body = start + 1 }
    let bodyKind = kind(text[body])
    if bodyKind != .space {
        var end = body + 1
        while end < count && kind(text[end]) == bodyKind { end += 1 }
        return end
    }
    // `\s+(?!\S)` then `\s+`
    var end = start + 1
    while end < count && kind(text[end]) == .space { end += 1 }
    if end == count || end - 1 == start { return end }
    return end - 1
}

/// Turns byte-level tokens back into text: stand-ins to bytes, then UTF-8 with replacement
/// characters for invalid sequences. A token with a character outside the alphabet is kept as is.
struct ByteLevelDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var bytes = [UInt8]()
        for token in tokens {
            let start = bytes.count
            var inAlphabet = true
            for scalar in token.unicodeScalars {
                guard let byte = ByteLevelAlphabet.byte(of: scalar) else {
                    inAlphabet = false
                    break
                }
                bytes.append(byte)
            }
            if !inAlphabet {
                bytes.removeSubrange(start...)
                bytes.append(contentsOf: token.utf8)
            }
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}

/// The reference's `process_offsets`: with `trim_offsets`, a token's offsets leave out its
/// leading and trailing spaces (`Ġ` or whitespace), except the one space added in front of
/// the first word by `add_prefix_space`.
func trimByteLevelOffsets(_ encoding: inout RawEncoding, addPrefixSpace: Bool) {
    for index in 0..<encoding.count {
        let scalars = encoding.tokens[index].unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == "\u{120}" || isUnicodeWhitespace($0) }
        var leading = 0
        for scalar in scalars {
            guard isSpace(scalar) else { break }
            leading += 1
        }
        var trailing = 0
        for scalar in scalars.reversed() {
            guard isSpace(scalar) else { break }
            trailing += 1
        }
        guard leading > 0 || trailing > 0 else { continue }
        var offset = encoding.offsets[index]
        if leading > 0 {
            let isFirst = index == 0 || offset.start == 0
            if isFirst && addPrefixSpace && leading == 1 { leading = 0 }
            offset.start = min(offset.start + leading, offset.end)
        }
        if trailing > 0 && offset.end >= trailing {
            offset.end = max(offset.end - trailing, offset.start)
        }
        encoding.offsets[index] = offset
    }
    for index in encoding.overflowing.indices {
        trimByteLevelOffsets(&encoding.overflowing[index], addPrefixSpace: addPrefixSpace)
    }
}
