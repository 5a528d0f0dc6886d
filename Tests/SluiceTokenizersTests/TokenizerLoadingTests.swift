import Foundation
import XCTest

@testable import SluiceTokenizers

/// Loading `tokenizer.json`: what is read from the file, and the errors for damaged files.
final class TokenizerLoadingTests: XCTestCase {
    /// The real BERT file with one section replaced.
    func bertJSON(replacing key: String, with value: Any?) throws -> Data {
        let data = try Data(contentsOf: Fixtures.tokenizerURL("bert-base-uncased"))
        var root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        root[key] = value ?? NSNull()
        return try JSONSerialization.data(withJSONObject: root)
    }

    func assertThrows(
        _ data: Data, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try Tokenizer(json: data), file: file, line: line) { error in
            let message = String(describing: error)
            for word in words {
                XCTAssertTrue(
                    message.contains(word), "\"\(message)\" does not mention \(word)", file: file, line: line)
            }
        }
    }

    /// A small BPE tokenizer.json whose vocabulary gives "x" the id `id`.
    func bpeJSON(idOfX id: Int) -> Data {
        Data(
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "x": \#(id)}, "merges": []}}"#.utf8)
    }

    /// Found by the tokenizer fuzzer: an id of 7,777,777,777,776 made the id-to-token table
    /// allocate that many entries and crash.
    func testAHugeBPEIdIsAnErrorNotAnAllocation() {
        assertThrows(bpeJSON(idOfX: 7_777_777_777_776), mentioning: ["7777777777776", "\"x\""])
    }

    /// Ids far apart (the reference keeps them in a map) still load and map back to their tokens.
    func testFarApartBPEIdsMapBackToTheirTokens() throws {
        let tokenizer = try Tokenizer(json: bpeJSON(idOfX: 2_000_000_000))
        XCTAssertEqual(tokenizer.idToToken(2_000_000_000), "x")
        XCTAssertEqual(tokenizer.idToToken(1), "b")
        XCTAssertNil(tokenizer.idToToken(2))
        XCTAssertEqual(try tokenizer.encode("x").ids, [2_000_000_000])
    }

    func testUnknownNormalizerTypeIsAnErrorNamingIt() throws {
        assertThrows(
            try bertJSON(replacing: "normalizer", with: ["type": "ByteLevelNFKX"]),
            mentioning: ["normalizer", "ByteLevelNFKX"])
    }

    func testUnknownModelTypeIsAnErrorNamingIt() throws {
        assertThrows(
            try bertJSON(replacing: "model", with: ["type": "Tiktoken", "vocab": [] as [Any]]),
            mentioning: ["model", "Tiktoken"])
    }

    func testUnknownPreTokenizerPostProcessorAndDecoderTypesAreErrorsNamingThem() throws {
        assertThrows(
            try bertJSON(replacing: "pre_tokenizer", with: ["type": "UnicodeScripts"]),
            mentioning: ["pre_tokenizer", "UnicodeScripts"])
        assertThrows(
            try bertJSON(replacing: "post_processor", with: ["type": "T5Processing"]),
            mentioning: ["post_processor", "T5Processing"])
        assertThrows(
            try bertJSON(replacing: "decoder", with: ["type": "Gibberish"]),
            mentioning: ["decoder", "Gibberish"])
    }

    func testNestedUnknownComponentIsReportedWithItsPath() throws {
        let sequence: [String: Any] = [
            "type": "Sequence", "normalizers": [["type": "NFD"], ["type": "Rot13"]],
        ]
        assertThrows(
            try bertJSON(replacing: "normalizer", with: sequence), mentioning: ["normalizers[1]", "Rot13"])
    }

    func testMissingModelFieldIsReportedByName() throws {
        let data = try Data(contentsOf: Fixtures.tokenizerURL("bert-base-uncased"))
        var root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var model = root["model"] as! [String: Any]
        model["unk_token"] = nil
        root["model"] = model
        assertThrows(try JSONSerialization.data(withJSONObject: root), mentioning: ["unk_token"])
    }

    func testDamagedFileIsAnErrorNamingTheFile() throws {
        let data = try Data(contentsOf: Fixtures.tokenizerURL("bert-base-uncased"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID()).json")
        try data.prefix(data.count / 2).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try Tokenizer(contentsOf: url)) { error in
            XCTAssertTrue(String(describing: error).contains(url.path), "\(error)")
            XCTAssertTrue(String(describing: error).contains("not valid JSON"), "\(error)")
        }
    }

    func testMissingFileIsAnErrorNamingTheFile() {
        let url = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        XCTAssertThrowsError(try Tokenizer(contentsOf: url)) { error in
            XCTAssertTrue(String(describing: error).contains("/nonexistent/tokenizer.json"), "\(error)")
        }
    }

    func testTruncationAndPaddingAreReadFromTheFile() throws {
        let tokenizer = try Tokenizer(contentsOf: Fixtures.tokenizerURL("bert-base-uncased"))
        XCTAssertEqual(
            tokenizer.truncation,
            TruncationParameters(maxLength: 128, stride: 0, strategy: .longestFirst, direction: .right))
        XCTAssertEqual(
            tokenizer.padding,
            PaddingParameters(
                strategy: .fixed(128), direction: .right, padId: 0, padTypeId: 0, padToken: "[PAD]"))
        XCTAssertEqual(try tokenizer.encode("hello").count, 128)
    }

    func testCallerCanClearPaddingAndChangeTruncation() throws {
        var tokenizer = try Tokenizer(contentsOf: Fixtures.tokenizerURL("bert-base-uncased"))
        tokenizer.padding = nil
        XCTAssertEqual(try tokenizer.encode("hello world").count, 4)
        tokenizer.truncation = TruncationParameters(maxLength: 3)
        let encoding = try tokenizer.encode("hello world")
        XCTAssertEqual(encoding.tokens, ["[CLS]", "hello", "[SEP]"])
        XCTAssertEqual(encoding.overflowing.map(\.tokens), [["[CLS]", "world", "[SEP]"]])
    }
}
