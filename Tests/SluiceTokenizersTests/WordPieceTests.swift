import XCTest

@testable import SluiceTokenizers

/// The WordPiece model on its own.
final class WordPieceTests: XCTestCase {
    func model(_ tokens: [String], maxChars: Int = 100) throws -> WordPiece {
        var vocabulary = [ExactString: Int]()
        for (id, token) in tokens.enumerated() { vocabulary[ExactString(token)] = id }
        return try WordPiece(
            vocabulary: vocabulary, unknownToken: "[UNK]", continuingSubwordPrefix: "##",
            maxInputCharsPerWord: maxChars)
    }

    func testGreedyLongestMatchThenContinuationPieces() throws {
        let model = try model(["[UNK]", "un", "una", "##ff", "##able", "##aff"])
        let tokens = try model.tokenize(Array("unaffable".unicodeScalars))
        XCTAssertEqual(tokens.map(\.value), ["una", "##ff", "##able"])
        XCTAssertEqual(tokens.map(\.start), [0, 3, 5])
    }

    func testAWordWithAnUnmatchablePieceIsOneUnknownToken() throws {
        let model = try model(["[UNK]", "ab"])
        let tokens = try model.tokenize(Array("abc".unicodeScalars))
        XCTAssertEqual(tokens.map(\.value), ["[UNK]"])
        XCTAssertEqual(tokens.map(\.end), [3])
    }

    func testAWordOverTheCharacterLimitIsOneUnknownToken() throws {
        let model = try model(["[UNK]", "a", "##a"], maxChars: 3)
        XCTAssertEqual(try model.tokenize(Array("aaa".unicodeScalars)).count, 3)
        XCTAssertEqual(try model.tokenize(Array("aaaa".unicodeScalars)).map(\.value), ["[UNK]"])
    }

    func testCanonicallyEquivalentSpellingsKeepTheirOwnIds() throws {
        let model = try model(["[UNK]", "é", "e\u{301}"])
        XCTAssertEqual(try model.tokenize(Array("é".unicodeScalars)).map(\.id), [1])
        XCTAssertEqual(try model.tokenize(Array("e\u{301}".unicodeScalars)).map(\.id), [2])
        XCTAssertEqual(model.tokenToId("e\u{301}"), 2)
    }

    func testMissingUnknownTokenIsAnErrorNamingIt() throws {
        let model = try model(["a"])
        XCTAssertThrowsError(try model.tokenize(Array("b".unicodeScalars))) { error in
            XCTAssertTrue(String(describing: error).contains("[UNK]"))
        }
    }
}
