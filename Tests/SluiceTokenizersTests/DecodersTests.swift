import XCTest

@testable import SluiceTokenizers

/// The WordPiece decoder and its cleanup.
final class DecodersTests: XCTestCase {
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
