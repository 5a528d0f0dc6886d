/// How a document is read: the nesting limit, how floats are rounded and what a repeated key
/// does. The presets name the reader each part of Sluice must agree with.
public struct JSONParseOptions: Sendable {
    /// How the digits of a float become a `Double`.
    public enum Floats: Sendable {
        /// The nearest `Double`, as Python's `json` and Swift's `Double(String)` give it.
        case nearest
        /// As serde_json without its `float_roundtrip` feature, which is how the `tokenizers`
        /// library reads `tokenizer.json`: the digits gathered in a `UInt64` (digits past its
        /// range dropped), converted to `Double`, then multiplied or divided by a power of ten.
        /// That is not always the nearest `Double` (Unigram scores can be one ulp off), and the
        /// Viterbi search breaks ties on those exact values.
        case serde
    }

    /// What an object does with a key written twice.
    public enum DuplicateKeys: Sendable {
        /// Every member is kept, in order (lookups find the last); the caller may reject them.
        case keepAll
        /// The last value replaces the first in the first one's place, as a Python `dict` does.
        case lastWins
    }

    /// What a `\u` escape of a lone UTF-16 surrogate becomes.
    public enum LoneSurrogates: Sendable {
        /// U+FFFD (a Swift string cannot hold the surrogate itself, as Python's can).
        case replace
        /// A syntax error, as serde_json (and so the Rust safetensors reader) makes it.
        case reject
    }

    /// The deepest nesting of arrays and objects accepted.
    public var maxDepth: Int
    /// How floats are rounded.
    public var floats: Floats
    /// What a repeated key does.
    public var duplicateKeys: DuplicateKeys
    /// What a lone surrogate escape becomes.
    public var loneSurrogates: LoneSurrogates

    /// Creates options; the defaults are Python's `json.loads` with a nesting limit.
    public init(
        maxDepth: Int = 512, floats: Floats = .nearest, duplicateKeys: DuplicateKeys = .lastWins,
        loneSurrogates: LoneSurrogates = .replace
    ) {
        self.maxDepth = maxDepth
        self.floats = floats
        self.duplicateKeys = duplicateKeys
        self.loneSurrogates = loneSurrogates
    }

    /// Python's `json.loads` (request bodies, `config.json` and the other files transformers
    /// reads), except that `NaN` and `Infinity`, which Python also reads, are refused.
    public static let python = JSONParseOptions()
    /// serde_json as the `tokenizers` library uses it for `tokenizer.json`.
    public static let tokenizers = JSONParseOptions(floats: .serde, duplicateKeys: .keepAll)
}

/// Why a text is not JSON: `message` at byte `offset` of it.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    /// Where the text went wrong, in bytes from its start.
    public let offset: Int
    /// What was wrong there.
    public let message: String

    /// "<message> at byte <offset>".
    public var description: String { "\(message) at byte \(offset)" }
}

extension JSONValue {
    /// Parses one JSON value (RFC 8259, strict) that spans all of `bytes`, surrounding
    /// whitespace allowed. Strings must be valid UTF-8; a lone surrogate escape becomes U+FFFD.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, options: JSONParseOptions = .python
    ) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, options: options)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// Parses the bytes of a collection (`[UInt8]`, `Data`, a slice of a buffer).
    public static func parse<Bytes: Collection<UInt8>>(
        _ bytes: Bytes, options: JSONParseOptions = .python
    ) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONSyntaxError) in try parse(UnsafeRawBufferPointer(buffer), options: options)
            }
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBytes { raw in
            Result { () throws(JSONSyntaxError) in try parse(raw, options: options) }
        }.get()
    }
}

/// The one reader behind `JSONValue.parse`.
private struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let options: JSONParseOptions
    var index = 0

    init(bytes: UnsafeRawBufferPointer, options: JSONParseOptions) {
        self.bytes = bytes
        self.options = options
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? index, message: message)
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard let byte = peek else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character, expected a value")
        }
    }

    private mutating func literal(
        _ word: StaticString, _ value: JSONValue
    ) throws(JSONSyntaxError) -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("invalid literal, expected '\(word)'") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal, expected '\(word)'")
        }
        index += count
        return value
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= options.maxDepth else { throw error("nesting deeper than \(options.maxDepth) levels") }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        // Where each key sits, by its exact UTF-8, when a repeated key replaces the first.
        var positions: [[UInt8]: Int] = [:]
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if options.duplicateKeys == .lastWins {
                let exactKey = Array(key.utf8)
                if let existing = positions[exactKey] {
                    members[existing].value = value
                } else {
                    positions[exactKey] = members.count
                    members.append((key, value))
                }
            } else {
                members.append((key, value))
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            case nil: throw error("unterminated object")
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= options.maxDepth else { throw error("nesting deeper than \(options.maxDepth) levels") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            case nil: throw error("unterminated array")
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    private static func digit(_ byte: UInt8?) -> UInt64? {
        guard let byte, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        return UInt64(byte - UInt8(ascii: "0"))
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. An integer that fits in `Int` is
    /// `.int`; anything else is `.number`, rounded as the options say.
    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        let negative = peek == UInt8(ascii: "-")
        if negative { index += 1 }
        // serde's significand: digits past UInt64's range are dropped, each moving the exponent.
        var significand: UInt64 = 0
        var exponent = 0
        var overflowed = false
        func accumulate(_ d: UInt64, fraction: Bool) {
            let (times, o1) = significand.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(d)
            if o1 || o2 || overflowed {
                overflowed = true
                if !fraction { exponent += 1 }
            } else {
                significand = sum
                if fraction { exponent -= 1 }
            }
        }
        guard let first = Self.digit(peek) else { throw error("invalid number, expected a digit") }
        index += 1
        accumulate(first, fraction: false)
        if first != 0 {
            while let d = Self.digit(peek) {
                accumulate(d, fraction: false)
                index += 1
            }
        } else if Self.digit(peek) != nil {
            throw error("invalid number, a leading zero")
        }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard Self.digit(peek) != nil else { throw error("invalid number, expected a digit after '.'") }
            while let d = Self.digit(peek) {
                accumulate(d, fraction: true)
                index += 1
            }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            var exponentNegative = false
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") {
                exponentNegative = peek == UInt8(ascii: "-")
                index += 1
            }
            guard Self.digit(peek) != nil else { throw error("invalid number, expected a digit in exponent") }
            var value = 0
            while let d = Self.digit(peek) {
                value = min(value * 10 + Int(d), 100_000)
                index += 1
            }
            exponent += exponentNegative ? -value : value
        }
        if isInteger && !overflowed {
            // serde reads `-0` as the float -0.0, whose sign a Unigram score keeps.
            if negative, significand == 0, options.floats == .serde { return .number(-0.0) }
            if negative, significand <= UInt64(Int.max) + 1 {
                return .int(significand == UInt64(Int.max) + 1 ? Int.min : -Int(significand))
            }
            if !negative, significand <= UInt64(Int.max) { return .int(Int(significand)) }
        }
        switch options.floats {
        case .nearest:
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text) else { throw error("invalid number", at: start) }
            return .number(value)
        case .serde:
            var result = Double(significand)
            while true {
                if abs(exponent) <= 308 {
                    let power = powersOfTen[abs(exponent)]
                    result = exponent >= 0 ? result * power : result / power
                    break
                }
                if result == 0 { break }
                if exponent >= 0 { throw error("number out of range", at: start) }
                result /= 1e308
                exponent += 308
            }
            return .number(negative ? -result : result)
        }
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // the opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        // Appends the unescaped bytes since `runStart`, which must be valid UTF-8.
        func flush(_ parser: JSONParser, upTo end: Int) throws(JSONSyntaxError) {
            guard runStart < end else { return }
            let run = UnsafeBufferPointer(rebasing: parser.bytes.bindMemory(to: UInt8.self)[runStart..<end])
            guard let text = String(validating: run, as: UTF8.self) else {
                throw parser.error("invalid UTF-8 in string", at: runStart)
            }
            scalars.append(contentsOf: text.unicodeScalars)
        }
        while true {
            guard let byte = peek else { throw error("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                if scalars.isEmpty {  // no escapes: the common case, one validation and no copy of scalars
                    let run = UnsafeBufferPointer(
                        rebasing: bytes.bindMemory(to: UInt8.self)[runStart..<index])
                    guard let text = String(validating: run, as: UTF8.self) else {
                        throw error("invalid UTF-8 in string", at: runStart)
                    }
                    index += 1
                    return text
                }
                try flush(self, upTo: index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("control character 0x\(String(byte, radix: 16)) inside a string") }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            try flush(self, upTo: index)
            index += 1
            guard let escape = peek else { throw error("unterminated escape") }
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count,
                    bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    let save = index
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        index = save
                    }
                }
                // A lone surrogate cannot be a Swift scalar: it becomes U+FFFD, or is refused.
                guard let scalar = Unicode.Scalar(code) else {
                    if options.loneSurrogates == .reject {
                        throw error("lone surrogate in \\u escape", at: index - 6)
                    }
                    scalars.append("\u{FFFD}")
                    runStart = index
                    continue
                }
                scalars.append(scalar)
            default:
                throw error("invalid escape", at: index - 1)
            }
            runStart = index
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// 1e0 … 1e308, each the nearest `Double` (as Rust's float literals).
private let powersOfTen: [Double] = (0...308).map { Double("1e\($0)")! }
