/// Writing JSON as Python's `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`
/// writes it (the body starlette's `JSONResponse` sends), so answers match the reference
/// server byte for byte.
extension JSONValue {
    /// Compact JSON text, Python's spelling.
    public var pythonJSON: String { String(decoding: pythonJSONBytes, as: UTF8.self) }

    /// `pythonJSON` as UTF-8 bytes, written straight into one buffer (a response body).
    public var pythonJSONBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .number(let d): appendPythonFloatRepr(d, to: &out)
        case .string(let s): writePythonString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writePythonString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// `repr(float)`: the shortest digits that round-trip, in positional notation when the
/// decimal exponent is in [-4, 16), scientific (`1e-05`, `1.5e+16`) otherwise.
public func pythonFloatRepr(_ value: Double) -> String {
    var out: [UInt8] = []
    appendPythonFloatRepr(value, to: &out)
    return String(decoding: out, as: UTF8.self)
}

/// `pythonFloatRepr(value)`'s bytes, appended to `out`.
public func appendPythonFloatRepr(_ value: Double, to out: inout [UInt8]) {
    if value.isNaN { return out += "NaN".utf8 }
    if value.isInfinite { return out += (value < 0 ? "-Infinity" : "Infinity").utf8 }
    if value == 0 { return out += (value.sign == .minus ? "-0.0" : "0.0").utf8 }
    // Swift's description gives the same shortest round-trip digits; only the layout differs.
    // Bytes on the stack throughout: an embedding answer spells thousands of these.
    var text = abs(value).description
    text.withUTF8 { spelled in
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            // The first 32 bytes take the significant digits, the rest the text written.
            let digits = UnsafeMutableBufferPointer(rebasing: buffer[0..<32])
            let formatted = UnsafeMutableBufferPointer(rebasing: buffer[32..<64])
            var n = 0
            // Significant digits, and the decimal exponent of the first one.
            var count = 0
            var pointPosition = 0  // digits before the point, leading zeros included
            var seenPoint = false
            var exponent = 0
            var index = 0
            while index < spelled.count {
                let byte = spelled[index]
                if byte == UInt8(ascii: ".") {
                    seenPoint = true
                } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                    var sign = 1
                    index += 1
                    if index < spelled.count,
                        spelled[index] == UInt8(ascii: "-") || spelled[index] == UInt8(ascii: "+")
                    {
                        sign = spelled[index] == UInt8(ascii: "-") ? -1 : 1
                        index += 1
                    }
                    var magnitude = 0
                    while index < spelled.count {
                        magnitude = magnitude * 10 + Int(spelled[index] &- UInt8(ascii: "0"))
                        index += 1
                    }
                    exponent = sign * magnitude
                    break
                } else {
                    if count == 0 && byte == UInt8(ascii: "0") {
                        // A leading zero: after the point it moves the point, before it nothing.
                        if seenPoint { pointPosition -= 1 }
                    } else {
                        digits[count] = byte
                        count += 1
                        if !seenPoint { pointPosition += 1 }
                    }
                }
                index += 1
            }
            while count > 1 && digits[count - 1] == UInt8(ascii: "0") { count -= 1 }
            let decimalExponent = exponent + pointPosition - 1
            do {
                func put(_ byte: UInt8) {
                    formatted[n] = byte
                    n += 1
                }
                if value < 0 { put(UInt8(ascii: "-")) }
                if decimalExponent >= -4 && decimalExponent < 16 {
                    if decimalExponent < 0 {
                        put(UInt8(ascii: "0"))
                        put(UInt8(ascii: "."))
                        for _ in 0..<(-decimalExponent - 1) { put(UInt8(ascii: "0")) }
                        for i in 0..<count { put(digits[i]) }
                    } else if decimalExponent + 1 >= count {
                        for i in 0..<count { put(digits[i]) }
                        for _ in 0..<(decimalExponent + 1 - count) { put(UInt8(ascii: "0")) }
                        put(UInt8(ascii: "."))
                        put(UInt8(ascii: "0"))
                    } else {
                        for i in 0..<count {
                            if i == decimalExponent + 1 { put(UInt8(ascii: ".")) }
                            put(digits[i])
                        }
                    }
                } else {
                    put(digits[0])
                    if count > 1 {
                        put(UInt8(ascii: "."))
                        for i in 1..<count { put(digits[i]) }
                    }
                    put(UInt8(ascii: "e"))
                    put(decimalExponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                    let magnitude = abs(decimalExponent)
                    if magnitude >= 100 { put(UInt8(ascii: "0") + UInt8(magnitude / 100)) }
                    put(UInt8(ascii: "0") + UInt8(magnitude / 10 % 10))
                    put(UInt8(ascii: "0") + UInt8(magnitude % 10))
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: formatted[0..<n]))
        }
    }
}

/// Python's `json` string encoding with `ensure_ascii=False`: only `"`, `\`, and control
/// characters below U+0020 are escaped; every other byte of the UTF-8 is written as it is
/// (all the escaped characters are ASCII, so no multi-byte sequence holds one).
public func writePythonString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out += #"\""#.utf8
        case UInt8(ascii: "\\"): out += #"\\"#.utf8
        case UInt8(ascii: "\n"): out += #"\n"#.utf8
        case UInt8(ascii: "\r"): out += #"\r"#.utf8
        case UInt8(ascii: "\t"): out += #"\t"#.utf8
        case 0x08: out += #"\b"#.utf8
        case 0x0C: out += #"\f"#.utf8
        case ..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            out += #"\u00"#.utf8
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        default: out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}
