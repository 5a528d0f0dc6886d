import SluiceJSON

/// A normalizer rewrites a piece of input in place, keeping its alignments to the original.
protocol Normalizer: Sendable {
    func normalize(_ string: inout NormalizedString)
}

/// Builds the normalizer that a `tokenizer.json` `normalizer` section describes.
func makeNormalizer(_ value: JSONValue, path: String) throws -> any Normalizer {
    try makeComponent(
        value, path: path, section: "normalizer",
        sequence: ("normalizers", { SequenceNormalizer(normalizers: $0) })
    ) { type, json in
        switch type {
        case "BertNormalizer":
            return BertNormalizer(
                cleanText: try json.bool("clean_text", default: true),
                handleChineseChars: try json.bool("handle_chinese_chars", default: true),
                stripAccents: try json.optionalBool("strip_accents"),
                lowercase: try json.bool("lowercase", default: true))
        case "Lowercase":
            return LowercaseNormalizer()
        case "StripAccents":
            return StripAccentsNormalizer()
        case "Strip":
            return StripNormalizer(
                left: try json.bool("strip_left", default: true),
                right: try json.bool("strip_right", default: true))
        case "NFD":
            return UnicodeNormalizer(form: .nfd)
        case "NFKD":
            return UnicodeNormalizer(form: .nfkd)
        case "NFC":
            return UnicodeNormalizer(form: .nfc)
        case "NFKC":
            return UnicodeNormalizer(form: .nfkc)
        case "Nmt":
            return NmtNormalizer()
        case "Replace":
            return ReplaceNormalizer(
                pattern: try TextPattern(json: json["pattern"] ?? .null, path: "\(path).pattern"),
                content: Array(try json.string("content").unicodeScalars))
        case "Prepend":
            return PrependNormalizer(prefix: Array(try json.string("prepend").unicodeScalars))
        case "Precompiled":
            return try PrecompiledNormalizer(base64: try json.optionalString("precompiled_charsmap") ?? "")
        case "ByteLevel":
            return ByteLevelNormalizer()
        default:
            return nil
        }
    }
}

/// BERT's normalizer; mirrors `tokenizers::normalizers::BertNormalizer`.
///
/// In order: drop control characters and map whitespace to a space (`cleanText`), put spaces
/// around CJK ideographs, strip accents (NFD then drop marks), lowercase. `stripAccents == nil`
/// means "strip accents iff lowercasing", as in the reference.
struct BertNormalizer: Normalizer {
    var cleanText: Bool
    var handleChineseChars: Bool
    var stripAccents: Bool?
    var lowercase: Bool

    func normalize(_ string: inout NormalizedString) {
        if cleanText {
            string.filter { scalar in
                !(scalar.value == 0 || scalar.value == 0xFFFD || isBertControl(scalar))
            }
            string.map { isBertWhitespace($0) ? " " : $0 }
        }
        if handleChineseChars && string.normalized.contains(where: isChineseCharacter) {
            string.expand { scalar, output in
                if isChineseCharacter(scalar) {
                    output.append(" ")
                    output.append(scalar)
                    output.append(" ")
                } else {
                    output.append(scalar)
                }
            }
        }
        if stripAccents ?? lowercase {
            string.decompose(compatibility: false)
            string.filter { !isNonspacingMark($0) }
        }
        if lowercase {
            string.lowercase()
        }
    }
}

/// Lowercases every scalar (Unicode full lowercase mapping).
struct LowercaseNormalizer: Normalizer {
    func normalize(_ string: inout NormalizedString) {
        string.lowercase()
    }
}

/// Removes combining marks (without decomposing first, as the reference does).
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ string: inout NormalizedString) {
        string.filter { !isCombiningMark($0) }
    }
}

/// Removes leading and/or trailing whitespace.
struct StripNormalizer: Normalizer {
    var left: Bool
    var right: Bool

    func normalize(_ string: inout NormalizedString) {
        string.strip(left: left, right: right)
    }
}

/// One of the four Unicode normalization forms.
struct UnicodeNormalizer: Normalizer {
    enum Form { case nfd, nfkd, nfc, nfkc }
    var form: Form

    func normalize(_ string: inout NormalizedString) {
        switch form {
        case .nfd: string.decompose(compatibility: false)
        case .nfkd: string.decompose(compatibility: true)
        case .nfc: string.compose(compatibility: false)
        case .nfkc: string.compose(compatibility: true)
        }
    }
}

/// Applies normalizers one after the other.
struct SequenceNormalizer: Normalizer {
    var normalizers: [any Normalizer]

    func normalize(_ string: inout NormalizedString) {
        for normalizer in normalizers {
            normalizer.normalize(&string)
        }
    }
}

/// SentencePiece's NMT normalization: drops ASCII control characters and maps other
/// whitespace-like characters to a space. Mirrors `tokenizers::normalizers::Nmt`.
struct NmtNormalizer: Normalizer {
    func normalize(_ string: inout NormalizedString) {
        string.filter { scalar in
            switch scalar.value {
            case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F: return false
            default: return true
            }
        }
        string.map { scalar in
            switch scalar.value {
            case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD:
                return " "
            default:
                return scalar
            }
        }
    }
}

/// Replaces every match of a string or regex by a fixed content.
struct ReplaceNormalizer: Normalizer {
    var pattern: TextPattern
    var content: [Unicode.Scalar]

    func normalize(_ string: inout NormalizedString) {
        string.replace(pattern, with: content)
    }
}

/// Puts a fixed prefix before any non-empty input.
struct PrependNormalizer: Normalizer {
    var prefix: [Unicode.Scalar]

    func normalize(_ string: inout NormalizedString) {
        string.prepend(prefix)
    }
}

/// Maps every byte of the UTF-8 encoding to its printable stand-in (as the ByteLevel
/// pre-tokenizer does, without splitting).
struct ByteLevelNormalizer: Normalizer {
    func normalize(_ string: inout NormalizedString) {
        string.mapToByteLevel()
    }
}
