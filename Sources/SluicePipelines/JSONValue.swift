import Foundation

/// A JSON value whose objects keep their keys in order, written exactly as Python's
/// `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` writes it — the body that
/// starlette's `JSONResponse` sends — so outputs match the reference server byte for byte.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A float score: an f32 value widened to f64, as `tensor.tolist()` gives it.
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in insertion order.
    case object([(String, JSONValue)])

    /// Compact JSON text, Python's spelling.
    public var pythonJSON: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d): out += pythonFloatRepr(d)
        case .string(let s): writePythonString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out += "," }
                writePythonString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Parses JSON text, keeping object keys in order; integers stay `.int`.
    public static func parse(_ data: Data) throws -> JSONValue {
        var parser = OrderedJSONParser(bytes: [UInt8](data))
        return try parser.parseDocument()
    }

    /// The value for `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }
}

/// `repr(float)`: the shortest digits that round-trip, in positional notation when the
/// decimal exponent is in [-4, 16), scientific (`1e-05`, `1.5e+16`) otherwise.
public func pythonFloatRepr(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description gives the same shortest round-trip digits; only the layout differs.
    let (negative, digits, exponent) = shortestDigits(value)
    var out = negative ? "-" : ""
    let n = digits.count
    if exponent >= -4 && exponent < 16 {
        if exponent < 0 {
            out += "0." + String(repeating: "0", count: -exponent - 1) + digits
        } else if exponent + 1 >= n {
            out += digits + String(repeating: "0", count: exponent + 1 - n) + ".0"
        } else {
            let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
            out += digits[..<split] + "." + digits[split...]
        }
    } else {
        out += String(digits.first!)
        if n > 1 { out += "." + digits.dropFirst() }
        out += exponent < 0 ? "e-" : "e+"
        let magnitude = abs(exponent)
        out += magnitude < 10 ? "0\(magnitude)" : "\(magnitude)"
    }
    return out
}

/// Splits Swift's shortest round-trip spelling into sign, significant digits and the
/// decimal exponent of the first digit.
private func shortestDigits(_ value: Double) -> (Bool, String, Int) {
    let text = abs(value).description
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = text[..<e]
        exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    let integer = String(parts[0])
    let fraction = parts.count > 1 ? String(parts[1]) : ""
    var digits = integer + fraction
    var pointPosition = integer.count  // digits before the point
    // Drop leading zeros (0.00123 → 123 with the point moved).
    while digits.first == "0" && digits.count > 1 {
        digits.removeFirst()
        pointPosition -= 1
    }
    while digits.last == "0" && digits.count > 1 { digits.removeLast() }
    return (value < 0, digits, exponent + pointPosition - 1)
}

/// Python's `json` string encoding with `ensure_ascii=False`: only `"`, `\`, and control
/// characters below U+0020 are escaped.
func writePythonString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out += "\""
}
