import Foundation
import SluiceJSON
import XCTest

final class PythonJSONTests: XCTestCase {
    func testFloatsAreSpelledAsPythonReprOfTheWidenedF32() throws {
        let rows = try ReferenceFixtures.jsonLines("float_repr.jsonl")
        XCTAssertGreaterThan(rows.count, 400)
        for row in rows {
            guard case .int(let bits) = row["bits"], case .string(let expected) = row["json"] else {
                return XCTFail("bad row")
            }
            let value = Double(Float(bitPattern: UInt32(bits)))
            XCTAssertEqual(pythonFloatRepr(value), expected, "bits \(bits)")
        }
    }

    func testReferenceOutputsSurviveAParseAndWriteByteForByte() throws {
        // The fixtures' JSON is what starlette's JSONResponse sent: non-ASCII unescaped, compact.
        for model in ["bert-tiny-uncased", "bert-tiny-cased"] {
            for row in try ReferenceFixtures.jsonLines("\(model)/expected/fill_mask.jsonl") {
                guard case .string(let json) = row["json"] else { return XCTFail("bad row") }
                XCTAssertEqual(try JSONValue.parse(Data(json.utf8)).pythonJSON, json)
            }
        }
    }

    func testStringsEscapeOnlyWhatPythonEscapes() {
        let value = JSONValue.string("a\"b\\c\n\t\u{01}\u{7F}é😀\u{2028}")
        XCTAssertEqual(value.pythonJSON, "\"a\\\"b\\\\c\\n\\t\\u0001\u{7F}é😀\u{2028}\"")
    }

    func testParserKeepsKeyOrderAndRejectsBadJSON() throws {
        let parsed = try JSONValue.parse(Data(#"{"b":1,"a":[true,null,2.5,"\ud83d\ude00"]}"#.utf8))
        XCTAssertEqual(parsed.pythonJSON, #"{"b":1,"a":[true,null,2.5,"😀"]}"#)
        for bad in ["{", "[1,]", "{\"a\" 1}", "01x", "\"\u{01}\"", "nul", "[1] 2", ""] {
            XCTAssertThrowsError(try JSONValue.parse(Data(bad.utf8)), bad)
        }
        XCTAssertThrowsError(try JSONValue.parse(Data([0x22, 0xFF, 0x22])))
        XCTAssertThrowsError(try JSONValue.parse(Data(String(repeating: "[", count: 10_000).utf8)))
    }
}

final class OrderedJSONParserTests: XCTestCase {
    func testDuplicateKeysKeepTheLastValueAtTheFirstPosition() throws {
        let parsed = try JSONValue.parse(Data(#"{"a":1,"b":2,"a":3}"#.utf8))
        XCTAssertEqual(parsed.pythonJSON, #"{"a":3,"b":2}"#)
    }

    func testCanonicallyEquivalentKeysStayDistinct() throws {
        let parsed = try JSONValue.parse(Data("{\"\u{E9}\":1,\"e\u{301}\":2}".utf8))
        guard case .object(let pairs) = parsed else { return XCTFail("not an object") }
        XCTAssertEqual(pairs.count, 2)
    }

    func testManyKeysParseInLinearTime() throws {
        // 100,000 distinct keys: quadratic duplicate checks would take minutes here.
        let body = "{" + (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        guard case .object(let pairs) = try JSONValue.parse(Data(body.utf8)) else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(pairs.count, 100_000)
    }
}

/// The reference outputs under `Tests/Fixtures/models`, read as JSON lines.
enum ReferenceFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    static func jsonLines(_ relativePath: String) throws -> [JSONValue] {
        let text = try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
    }
}
