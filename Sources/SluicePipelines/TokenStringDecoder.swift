import Foundation
import SluiceJSON

/// The `tokenizers` decoders, over token strings rather than ids: what transformers'
/// `convert_tokens_to_string` runs (token classification joins pieces with it, including
/// `[UNK]` pieces replaced by the original text, which have no id).
indirect enum TokenStringDecoder: Sendable {
    /// No decoder: tokens joined with spaces.
    case none
    /// `decoders.WordPiece`: continuation pieces glued on, other tokens after a space, then the
    /// clean-up of spaces before punctuation, token by token.
    case wordPiece(prefix: String, cleanup: Bool)
    /// `decoders.ByteLevel`: GPT-2's byte-to-character map undone, token by token, bytes read as
    /// UTF-8.
    case byteLevel
    /// `decoders.Metaspace`: the replacement character back to spaces, the first token's
    /// leading space dropped when the pre-tokenizer prepends one.
    case metaspace(replacement: String, dropsFirstSpace: Bool)
    /// `decoders.Sequence`.
    case sequence([TokenStringDecoder])
    /// A decoder this file does not reproduce: tokens joined with spaces.
    case unsupported(String)

    init(_ json: JSONValue) {
        guard case .string(let type) = json["type"] else {
            self = .none
            return
        }
        switch type {
        case "WordPiece":
            var prefix = "##"
            if case .string(let p) = json["prefix"] { prefix = p }
            var cleanup = true
            if case .bool(let c) = json["cleanup"] { cleanup = c }
            self = .wordPiece(prefix: prefix, cleanup: cleanup)
        case "ByteLevel":
            self = .byteLevel
        case "Metaspace":
            var replacement = "▁"
            if case .string(let r) = json["replacement"] { replacement = r }
            var scheme = "always"
            if case .string(let s) = json["prepend_scheme"] { scheme = s }
            if case .bool(let add) = json["add_prefix_space"], !add { scheme = "never" }
            self = .metaspace(replacement: replacement, dropsFirstSpace: scheme != "never")
        case "Sequence":
            guard case .array(let items) = json["decoders"] else {
                self = .unsupported(type)
                return
            }
            self = .sequence(items.map(TokenStringDecoder.init))
        default:
            self = .unsupported(type)
        }
    }

    func decode(_ tokens: [String]) -> String {
        switch self {
        case .none, .unsupported: return tokens.joined(separator: " ")
        default: return chain(tokens).joined()
        }
    }

    /// The reference's `decode_chain`: each token rewritten, to be concatenated.
    private func chain(_ tokens: [String]) -> [String] {
        switch self {
        case .none, .unsupported:
            return tokens.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { index, token in
                var text = token
                if index != 0 {
                    if text.unicodeScalars.starts(with: prefix.unicodeScalars) {
                        text = String(text.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
                    } else {
                        text = " " + text
                    }
                }
                return cleanup ? wordPieceCleanup(text) : text
            }
        case .byteLevel:
            // As tokenizers' ByteLevel decoder: a token maps to bytes only when every character
            // does, else it stays as its own UTF-8 (token classification joins words already
            // decoded, such as " naïve", with this decoder); the bytes are then read lossily.
            var bytes: [UInt8] = []
            for token in tokens {
                let mapped = token.unicodeScalars.compactMap { byteLevelDecoding[$0] }
                if mapped.count == token.unicodeScalars.count {
                    bytes.append(contentsOf: mapped)
                } else {
                    bytes.append(contentsOf: Array(token.utf8))
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .metaspace(let replacement, let dropsFirstSpace):
            return tokens.enumerated().map { index, token in
                var text = token.replacingOccurrences(of: replacement, with: " ")
                if dropsFirstSpace && index == 0 && text.hasPrefix(" ") { text.removeFirst() }
                return text
            }
        case .sequence(let decoders):
            return decoders.reduce(tokens) { $1.chain($0) }
        }
    }
}

/// The WordPiece decoder's clean-up (tokenizers' `cleanup`), applied to each token.
private func wordPieceCleanup(_ text: String) -> String {
    guard text.contains(" ") else { return text }
    var t = text
    for (from, to) in [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ] {
        t = t.replacingOccurrences(of: from, with: to)
    }
    return t
}

/// GPT-2's `bytes_to_unicode`, reversed: printable bytes stand for themselves, the others were
/// moved to U+0100 and up.
private let byteLevelDecoding: [Unicode.Scalar: UInt8] = {
    var printable = Array(33...126) + Array(161...172) + Array(174...255)
    var map: [Unicode.Scalar: UInt8] = [:]
    for byte in printable { map[Unicode.Scalar(UInt32(byte))!] = UInt8(byte) }
    var next: UInt32 = 256
    for byte in 0...255 where !printable.contains(byte) {
        map[Unicode.Scalar(next)!] = UInt8(byte)
        next += 1
        printable.append(byte)
    }
    return map
}()
