import SluiceJSON
import Testing

@Suite("JSONValue.parse")
struct JSONParserTests {
    private func parse(_ text: String, _ options: JSONParseOptions = .python) throws -> JSONValue {
        try JSONValue.parse(Array(text.utf8), options: options)
    }

    private func failure(_ text: String, _ options: JSONParseOptions = .python) -> JSONSyntaxError? {
        do {
            _ = try JSONValue.parse(Array(text.utf8), options: options)
            return nil
        } catch {
            return error
        }
    }

    @Test("integers stay integers, floats are floats, order is kept")
    func integersAndOrder() throws {
        let value = try parse(#"{"b": 1, "a": [-2, 2.0, 1e3, 9223372036854775807, -9223372036854775808]}"#)
        #expect(value == ["b": 1, "a": [-2, 2.0, 1000.0, .int(Int.max), .int(Int.min)]])
        #expect(value.objectMembers?.map(\.key) == ["b", "a"])
        // Past Int's range an integer is a float, as the nearest Double.
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808.0))
    }

    @Test("a repeated key: Python keeps the last value in the first place; keepAll keeps both")
    func duplicateKeys() throws {
        let text = #"{"a": 1, "b": 2, "a": 3}"#
        #expect(try parse(text).pythonJSON == #"{"a":3,"b":2}"#)
        let kept = try parse(text, .tokenizers)
        #expect(kept.objectMembers?.map(\.key) == ["a", "b", "a"])
        #expect(kept["a"] == 3)
    }

    @Test("keys are compared by their exact UTF-8, never merged by canonical equivalence")
    func keysAreExact() throws {
        let value = try parse("{\"\u{E9}\": 1, \"e\u{301}\": 2}")
        #expect(value.objectMembers?.count == 2)
        #expect(value["\u{E9}"] == 1)
        #expect(value["e\u{301}"] == 2)
    }

    @Test("floats: the nearest Double, or serde's rounding for tokenizer.json")
    func floatRounding() throws {
        // The digits overflow a UInt64, so serde drops the last ones; both reads are checked
        // against the Double each one computes by its own definition.
        let text = "-3.1415926535897932384626433832795"
        #expect(try parse(text) == .number(Double(text)!))
        #expect(try parse(text, .tokenizers) == .number(-(3_141_592_653_589_793_238.0 / 1e18)))
    }

    @Test("errors say what and at which byte")
    func errorsNameTheByte() {
        #expect(failure(#"{"a": nope}"#)?.offset == 6)
        #expect(failure("[1,]")?.message == "unexpected character, expected a value")
        #expect(failure("01")?.offset == 1)
        #expect(failure("[1] 2")?.offset == 4)
        #expect(failure("\"\u{01}\"")?.message.contains("control character") == true)
        #expect(failure("") != nil)
        #expect(failure("1.") != nil)
        #expect(failure("1e+") != nil)
        #expect(failure("NaN") != nil)
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        let bytes: [UInt8] = Array("[\"a".utf8) + [0xFF] + Array("\"]".utf8)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(bytes) }
    }

    @Test("nesting past the limit is refused without exhausting the stack")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(failure(deep)?.message == "nesting deeper than 512 levels")
        let limited = JSONParseOptions(maxDepth: 2)
        #expect(try parse("[[1]]", limited) == [[1]])
        #expect(failure("[[[1]]]", limited) != nil)
    }

    @Test("escapes, surrogate pairs and a lone surrogate")
    func escapes() throws {
        #expect(try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) == "a\"\\/\u{08}\u{0C}\n\r\t\u{E9}😀")
        #expect(try parse(#""\ud800x""#) == "\u{FFFD}x")
    }
}

@Suite("JSONValue.parse options")
struct JSONParseOptionTests {
    @Test("a lone surrogate is refused where serde_json refuses it; -0 keeps its sign for serde")
    func serdeStrictness() throws {
        let strict = JSONParseOptions(loneSurrogates: .reject)
        #expect(throws: JSONSyntaxError.self) {
            try JSONValue.parse(Array(#""\ud800""#.utf8), options: strict)
        }
        #expect(try JSONValue.parse(Array(#""\ud83d\ude00""#.utf8), options: strict) == "😀")
        let zero = try JSONValue.parse(Array("-0".utf8), options: .tokenizers)
        #expect(zero.doubleValue?.sign == .minus)
        #expect(try JSONValue.parse(Array("-0".utf8)) == 0)
    }
}
