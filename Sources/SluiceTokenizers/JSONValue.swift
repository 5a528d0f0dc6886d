import Foundation

/// A parsed JSON value; `tokenizer.json` is read into this before the components are built.
///
/// Objects keep their members as an ordered list with keys exactly as written: a Swift
/// `Dictionary<String, _>` would merge keys that are canonically equivalent ("é" and
/// "e\u{301}"), and real vocabularies contain both.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    static func parse(_ data: Data, source: String) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self), source: source)
            return try parser.parseDocument()
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let source: String
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, source: String) {
        self.bytes = bytes
        self.source = source
    }

    mutating func parseDocument() throws -> JSONValue {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected content after the JSON value") }
        return value
    }

    func error(_ message: String) -> TokenizerError {
        TokenizerError("\(source) is not valid JSON: \(message) at byte \(index)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members = [(key: String, value: JSONValue)]()
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw error("expected a string key")
                }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw error("expected ':'")
                }
                index += 1
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    throw error("expected ',' or '}'")
                }
            }
        case UInt8(ascii: "["):
            index += 1
            var elements = [JSONValue]()
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                } else {
                    throw error("expected ',' or ']'")
                }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            return .number(try parseNumber())
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            throw error("unexpected character")
        }
        index += count
    }

    /// Parses a number as serde_json does without its `float_roundtrip` feature, which is how
    /// the reference reads `tokenizer.json`: the digits are gathered in a `UInt64` (digits past
    /// its range are dropped), converted to `Double`, then multiplied or divided by a power of
    /// ten. That is not always the nearest `Double` (Unigram scores can be one ulp off), and the
    /// Viterbi search breaks ties on those exact values.
    mutating func parseNumber() throws -> Double {
        let start = index
        var negative = false
        if index < bytes.count && bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var significand: UInt64 = 0
        var exponent = 0
        var overflowed = false
        var digits = 0
        func digit(_ byte: UInt8) -> UInt64? {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt64(byte - UInt8(ascii: "0")) : nil
        }
        while index < bytes.count, let d = digit(bytes[index]) {
            let (times, o1) = significand.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(d)
            if o1 || o2 || overflowed {
                // An integer part past UInt64: serde parses it as a float; close enough here.
                overflowed = true
                exponent += 1
            } else {
                significand = sum
            }
            index += 1
            digits += 1
        }
        guard digits > 0 else {
            index = start
            throw error("unexpected character")
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            var fraction = 0
            while index < bytes.count, let d = digit(bytes[index]) {
                let (times, o1) = significand.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(d)
                if !(o1 || o2 || overflowed) {
                    significand = sum
                    exponent -= 1
                } else {
                    overflowed = true
                }
                index += 1
                fraction += 1
            }
            guard fraction > 0 else { throw error("expected a digit after the decimal point") }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"))
            {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var value = 0
            var exponentDigits = 0
            while index < bytes.count, let d = digit(bytes[index]) {
                value = min(value * 10 + Int(d), 100_000)
                index += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { throw error("expected a digit in the exponent") }
            exponent += exponentNegative ? -value : value
        }
        var result = Double(significand)
        while true {
            if abs(exponent) <= 308 {
                let power = powersOfTen[abs(exponent)]
                result = exponent >= 0 ? result * power : result / power
                break
            }
            if result == 0 { break }
            if exponent >= 0 { throw error("number out of range") }
            result /= 1e308
            exponent += 308
        }
        return negative ? -result : result
    }

    func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
            return true
        default:
            return false
        }
    }

    mutating func parseString() throws -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let value = String(
                    decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return value
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in string") }
            index += 1
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(
            contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                .unicodeScalars)
        var pendingStart = index
        func flush(_ parser: JSONParser, upTo end: Int) {
            if pendingStart < end {
                scalars.append(
                    contentsOf: String(
                        decoding: UnsafeBufferPointer(rebasing: parser.bytes[pendingStart..<end]),
                        as: UTF8.self
                    ).unicodeScalars)
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flush(self, upTo: index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("control character in string") }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            flush(self, upTo: index)
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
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
                if code >= 0xD800 && code < 0xDC00, index + 6 <= bytes.count,
                    bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    let save = index
                    index += 2
                    let low = try parseHex4()
                    if low >= 0xDC00 && low < 0xE000 {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        index = save
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default:
                throw error("invalid escape")
            }
            pendingStart = index
        }
        throw error("unterminated string")
    }

    mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// 1e0 … 1e308, each the nearest `Double` (as Rust's float literals).
private let powersOfTen: [Double] = (0...308).map { Double("1e\($0)")! }

/// A JSON object together with its path in the file, so that every lookup error names the field.
struct JSONObject: Sendable {
    let members: [(key: String, value: JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard case .object(let members) = value else {
            throw TokenizerError("\(path) must be a JSON object")
        }
        self.members = members
        self.path = path
    }

    /// The member's value (the last one if the key repeats, as serde does); `nil` if absent
    /// or `null`.
    subscript(key: String) -> JSONValue? {
        for member in members.reversed() where member.key.utf8.elementsEqual(key.utf8) {
            return member.value.isNull ? nil : member.value
        }
        return nil
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let string) = value else {
            throw TokenizerError("\(path).\(key) must be a string")
        }
        return string
    }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        try optionalBool(key) ?? defaultValue
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let bool) = value else {
            throw TokenizerError("\(path).\(key) must be true or false")
        }
        return bool
    }

    func int(_ key: String) throws -> Int {
        guard let value = try optionalInt(key) else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        return value
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = self[key] else { return nil }
        guard let int = value.nonNegativeInt else {
            throw TokenizerError("\(path).\(key) must be a non-negative integer")
        }
        return int
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let value = self[key] else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        guard case .array(let array) = value else {
            throw TokenizerError("\(path).\(key) must be an array")
        }
        return array
    }

    func object(_ key: String) throws -> JSONObject {
        guard let value = self[key] else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        return try JSONObject(value, path: "\(path).\(key)")
    }

    /// The `type` field that tags every component in `tokenizer.json`.
    func type() throws -> String {
        try string("type")
    }
}

extension JSONValue {
    var nonNegativeInt: Int? {
        guard case .number(let number) = self, number >= 0, number == number.rounded(), number < 1e15 else {
            return nil
        }
        return Int(number)
    }
}
