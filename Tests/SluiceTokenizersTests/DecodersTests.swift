import Foundation
import SluiceJSON
import XCTest

@testable import SluiceTokenizers

/// The decoders and their clean-ups.
final class DecodersTests: XCTestCase {
    /// Every decoder kind, as `tokenizers` decodes random token lists with it
    /// (`decoder_cases.jsonl`, scripts/fixtures/make_decoder_fixtures.py): empty suffixes, pads and
    /// tokens, clean-ups of punctuation and contractions, byte tokens, Metaspace marks.
    func testEveryDecoderDecodesAsTheReference() throws {
        let url = Fixtures.directory.appendingPathComponent("decoder_cases.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 700)
        for line in lines {
            let test = try JSONValue.parse(Array(line.utf8))
            let decoder = try makeDecoder(test["decoder"] ?? .null, path: "decoder")
            let tokens = (test["tokens"]?.arrayValue ?? []).compactMap(\.stringValue)
            XCTAssertEqual(decoder.decode(tokens), test["text"]?.stringValue, "\(line)")
        }
    }

    func testContinuationsAreGluedAndOtherTokensSpaced() {
        let decoder = WordPieceDecoder(prefix: "##", cleanup: false)
        XCTAssertEqual(decoder.decode(["##uelo", "Ara", "##új", "##o"]), "##uelo Araújo")
    }

    func testCleanupRemovesSpacesBeforePunctuationAndContractions() {
        let decoder = WordPieceDecoder(prefix: "##", cleanup: true)
        XCTAssertEqual(
            decoder.decode(["it", "'", "s", "fine", ",", "isn", "'", "t", "it", "?"]),
            "it ' s fine, isn ' t it?")
        XCTAssertEqual(cleanUpTokenization("I do not know ."), "I don't know.")
    }

    func testReplacementComparesScalarsNotCanonicalEquivalence() {
        XCTAssertEqual("e\u{301} .".replacingAll(" .", with: "."), "e\u{301}.")
        XCTAssertTrue(
            "é".replacingAll("e\u{301}", with: "x").unicodeScalars.elementsEqual("é".unicodeScalars))
    }
}
