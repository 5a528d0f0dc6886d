import SluiceJSON

/// Where Metaspace puts its replacement character in front of a piece.
enum PrependScheme: String, Sendable {
    case always, first, never

    init(json: JSONObject) throws {
        // `add_prefix_space: false` is the older spelling of "never".
        let scheme = try json.choice("prepend_scheme", default: PrependScheme.always, naming: "scheme")
        if try json.optionalBool("add_prefix_space") == false {
            guard scheme == .never || !json.has("prepend_scheme") else {
                throw TokenizerError("\(json.path): add_prefix_space does not match prepend_scheme")
            }
            self = .never
        } else {
            self = scheme
        }
    }
}

/// SentencePiece's view of spaces: every space becomes `▁`, a `▁` is put in front (per
/// `prepend_scheme`), and the text is split before each `▁`. Mirrors
/// `tokenizers::pre_tokenizers::metaspace::Metaspace`.
struct MetaspacePreTokenizer: PreTokenizer {
    var replacement: Unicode.Scalar
    var prependScheme: PrependScheme
    var split: Bool

    init(json: JSONObject) throws {
        replacement = try metaspaceReplacement(json)
        prependScheme = try PrependScheme(json: json)
        split = try json.bool("split", default: true)
    }

    func preTokenize(_ string: inout PreTokenizedString) {
        string.splitPieces { piece in
            var normalized = piece
            let replacement = self.replacement
            normalized.map { $0 == " " ? replacement : $0 }
            switch prependScheme {
            case .always:
                if normalized.normalized.first != replacement { normalized.prepend([replacement]) }
            case .first:
                if normalized.normalized.first != replacement && normalized.originalShift == 0 {
                    normalized.prepend([replacement])
                }
            case .never:
                break
            }
            guard split else { return [normalized] }
            return normalized.split(where: { $0 == replacement }, behavior: .mergedWithNext)
        }
    }
}

func metaspaceReplacement(_ json: JSONObject) throws -> Unicode.Scalar {
    let text = try json.optionalString("replacement") ?? "\u{2581}"
    guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
        throw TokenizerError("\(json.path).replacement must be one character")
    }
    return scalar
}

/// Splits on punctuation (ASCII punctuation or a Unicode 8.0 punctuation category).
struct PunctuationPreTokenizer: PreTokenizer {
    var behavior: NormalizedString.DelimiterBehavior

    func preTokenize(_ string: inout PreTokenizedString) {
        string.splitPieces { $0.split(where: isBertPunctuation, behavior: behavior) }
    }
}

/// Splits digits from the rest: each digit alone, or runs of digits together.
struct DigitsPreTokenizer: PreTokenizer {
    var individualDigits: Bool

    func preTokenize(_ string: inout PreTokenizedString) {
        let behavior: NormalizedString.DelimiterBehavior = individualDigits ? .isolated : .contiguous
        string.splitPieces { $0.split(where: isNumeric, behavior: behavior) }
    }
}

/// Rust's `char::is_numeric`: general categories Nd, Nl and No.
func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 { return value >= 0x30 && value <= 0x39 }
    switch scalar.properties.generalCategory {
    case .decimalNumber, .letterNumber, .otherNumber: return true
    default: return false
    }
}

/// Splits on the matches of a string or regex, keeping them as `behavior` says; with
/// `invert`, the pieces between matches are the delimiters.
struct SplitPreTokenizer: PreTokenizer {
    var pattern: TextPattern
    var behavior: NormalizedString.DelimiterBehavior
    var invert: Bool

    func preTokenize(_ string: inout PreTokenizedString) {
        string.splitPieces { piece in
            var matches = pattern.matches(in: piece.normalized)
            if invert {
                matches = matches.map { ($0.0, !$0.1) }
            }
            return piece.split(matches: matches, behavior: behavior)
        }
    }
}
