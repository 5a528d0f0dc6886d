import Foundation
import XCTest

@testable import SluiceTokenizers

/// Behaviour of the real bert-base-uncased tokenizer that callers rely on.
final class BertTokenizerTests: XCTestCase {
    static let tokenizer: Tokenizer = {
        var tokenizer = try! Tokenizer(contentsOf: Fixtures.tokenizerURL("bert-base-uncased"))
        tokenizer.padding = nil
        tokenizer.truncation = nil
        return tokenizer
    }()

    var tokenizer: Tokenizer { Self.tokenizer }

    func testMaskTokenWrittenInTheTextIsRecognised() throws {
        let mask = try XCTUnwrap(tokenizer.tokenToId("[MASK]"))
        for text in ["test [MASK]", "test[MASK]", "[MASK]test", "a [MASK] b [MASK]"] {
            XCTAssertTrue(try tokenizer.encode(text).ids.contains(mask), text)
        }
        XCTAssertFalse(
            try tokenizer.encode("test [mask]").ids.contains(mask), "special tokens are not normalized")
    }

    func testEmptyTextGivesOnlyTheSpecialTokens() throws {
        let encoding = try tokenizer.encode("")
        XCTAssertEqual(encoding.tokens, ["[CLS]", "[SEP]"])
        XCTAssertEqual(encoding.sequenceIds, [nil, nil])
        XCTAssertEqual(try tokenizer.encode("", addSpecialTokens: false).count, 0)
    }

    func testOffsetsIndexUnicodeScalarsOfTheOriginalText() throws {
        // Lowercasing İ gives two scalars and NFD splits é; offsets still point into the input.
        let text = "İstanbul café 😀👨‍👩‍👧 naïve"
        let scalars = Array(text.unicodeScalars)
        let encoding = try tokenizer.encode(text, addSpecialTokens: false)
        for (token, offset) in zip(encoding.tokens, encoding.offsets) {
            XCTAssertLessThanOrEqual(offset.start, offset.end)
            XCTAssertLessThanOrEqual(offset.end, scalars.count)
            XCTAssertGreaterThan(offset.end, offset.start, "token \(token) covers some text")
        }
        let words = encoding.offsets.map { offset in
            String(String.UnicodeScalarView(scalars[offset.start..<offset.end]))
        }
        // "café" is one token and the emoji run one unknown token: both map back to the input.
        XCTAssertTrue(words.contains { $0.unicodeScalars.elementsEqual("café".unicodeScalars) })
        XCTAssertTrue(words.contains("😀👨‍👩‍👧"))
    }

    func testPairGetsTypeAndSequenceIds() throws {
        let encoding = try tokenizer.encode("first text", pair: "second")
        XCTAssertEqual(encoding.tokens, ["[CLS]", "first", "text", "[SEP]", "second", "[SEP]"])
        XCTAssertEqual(encoding.typeIds, [0, 0, 0, 0, 1, 1])
        XCTAssertEqual(encoding.sequenceIds, [nil, 0, 0, nil, 1, nil])
        XCTAssertEqual(encoding.specialTokensMask, [1, 0, 0, 1, 0, 1])
        XCTAssertEqual(encoding.wordIds, [nil, 0, 1, nil, 0, nil])
    }

    func testOnlySecondTruncationWithoutAPairIsAnError() throws {
        var tokenizer = tokenizer
        tokenizer.truncation = TruncationParameters(maxLength: 4, strategy: .onlySecond)
        XCTAssertThrowsError(try tokenizer.encode("one two three four five"))
    }

    func testStrideNotBelowTheRemainingLengthIsAnError() throws {
        var tokenizer = tokenizer
        tokenizer.truncation = TruncationParameters(maxLength: 4, stride: 2)
        XCTAssertThrowsError(try tokenizer.encode("one two three four five")) { error in
            XCTAssertTrue(String(describing: error).contains("stride"))
        }
    }

    func testOverflowingWindowsOverlapByTheStride() throws {
        var tokenizer = tokenizer
        tokenizer.truncation = TruncationParameters(maxLength: 5, stride: 1)
        let encoding = try tokenizer.encode("one two three four five six")
        let windows = [encoding.tokens] + encoding.overflowing.map(\.tokens)
        XCTAssertEqual(windows.first, ["[CLS]", "one", "two", "three", "[SEP]"])
        for (previous, next) in zip(windows, windows.dropFirst()) {
            XCTAssertEqual(previous[previous.count - 2], next[1], "consecutive windows share one token")
        }
    }

    func testLongWordBecomesOneUnknownToken() throws {
        let encoding = try tokenizer.encode(String(repeating: "a", count: 101), addSpecialTokens: false)
        XCTAssertEqual(encoding.tokens, ["[UNK]"])
        XCTAssertEqual(encoding.offsets, [TokenOffset(start: 0, end: 101)])
    }

    func testDecodeJoinsPiecesAndSkipsSpecialTokensOnRequest() throws {
        let encoding = try tokenizer.encode("Tokenization isn't hard, is it?")
        // Cleanup works per token, so " ' " inside "isn ' t" stays, as in the reference.
        XCTAssertEqual(
            tokenizer.decode(encoding.ids, skipSpecialTokens: true), "tokenization isn ' t hard, is it?")
        XCTAssertTrue(tokenizer.decode(encoding.ids, skipSpecialTokens: false).hasPrefix("[CLS] "))
    }

    func testVocabularyLookupsGoBothWays() throws {
        XCTAssertEqual(tokenizer.vocabularySize, 30522)
        let id = try XCTUnwrap(tokenizer.tokenToId("hello"))
        XCTAssertEqual(tokenizer.idToToken(id), "hello")
        XCTAssertNil(tokenizer.tokenToId("not-a-token"))
        XCTAssertNil(tokenizer.idToToken(1_000_000))
    }

    func testPaddingFillsWithThePadTokenOnTheChosenSide() throws {
        var tokenizer = tokenizer
        tokenizer.padding = PaddingParameters(strategy: .fixed(6), direction: .left)
        let encoding = try tokenizer.encode("hello")
        XCTAssertEqual(encoding.tokens, ["[PAD]", "[PAD]", "[PAD]", "[CLS]", "hello", "[SEP]"])
        XCTAssertEqual(encoding.attentionMask, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(encoding.sequenceIds, [nil, nil, nil, nil, 0, nil])
    }
}
