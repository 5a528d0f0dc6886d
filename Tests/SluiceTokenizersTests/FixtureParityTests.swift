import Foundation
import XCTest

@testable import SluiceTokenizers

/// Every case of `tokenizer_cases.jsonl` encoded and decoded here must equal, field for field,
/// what the Python `tokenizers` library produced.
final class FixtureParityTests: XCTestCase {
    nonisolated(unsafe) static var cachedCases: [FixtureCase]?

    func cases(for name: String) throws -> [FixtureCase] {
        if Self.cachedCases == nil {
            Self.cachedCases = try Fixtures.loadCases()
        }
        return Self.cachedCases!.filter { $0.tokenizer == name }
    }

    func checkEveryCase(of name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let base = try Tokenizer(contentsOf: Fixtures.tokenizerURL(name))
        let cases = try cases(for: name)
        XCTAssertGreaterThan(cases.count, 0, "no fixture cases for \(name)", file: file, line: line)
        var passed = 0
        var failures = [String]()
        for fixture in cases {
            if fixture.kind == "meta" {
                if let problem = checkMeta(fixture, base) { failures.append(problem) } else { passed += 1 }
                continue
            }
            if let problem = check(fixture, base) {
                failures.append(problem)
            } else {
                passed += 1
            }
        }
        print("\(name): \(passed) of \(cases.count) fixture cases match the reference")
        for failure in failures.prefix(25) {
            XCTFail(failure, file: file, line: line)
        }
        XCTAssertEqual(failures.count, 0, "\(name): \(failures.count) cases differ", file: file, line: line)
    }

    func check(_ fixture: FixtureCase, _ base: Tokenizer) -> String? {
        var tokenizer = base
        if fixture.use_file_settings != true {
            tokenizer.padding = fixture.padding.map(PaddingParameters.init(fixture:))
            tokenizer.truncation = fixture.truncation.map(TruncationParameters.init(fixture:))
        }
        let text = fixture.text ?? ""
        let input =
            "input \"\(describe(text))\"" + (fixture.pair.map { " pair \"\(describe($0))\"" } ?? "")
            + (fixture.add_special_tokens == false ? " without special tokens" : "")
            + (fixture.truncation.map { " truncation \($0)" } ?? "")
            + (fixture.padding.map { " padding \($0)" } ?? "")
        let encoding: Encoding
        do {
            encoding = try tokenizer.encode(
                text, pair: fixture.pair, addSpecialTokens: fixture.add_special_tokens ?? true)
        } catch {
            if fixture.error != nil { return nil }
            return "\(input): threw \(error)"
        }
        if let error = fixture.error {
            return "\(input): expected an error (\(error)), got ids \(encoding.ids)"
        }
        guard let expected = fixture.expected else { return "\(input): fixture has no expectation" }
        if let difference = firstDifference(expected, encoding) {
            return "\(input): \(difference)"
        }
        let decoded = tokenizer.decode(encoding.ids, skipSpecialTokens: true)
        if let want = fixture.decoded, !sameScalars(want, decoded) {
            return
                "\(input): decode(skipSpecialTokens: true) expected \"\(describe(want))\", got \"\(describe(decoded))\""
        }
        let decodedAll = tokenizer.decode(encoding.ids, skipSpecialTokens: false)
        if let want = fixture.decoded_with_special, !sameScalars(want, decodedAll) {
            return
                "\(input): decode(skipSpecialTokens: false) expected \"\(describe(want))\", got \"\(describe(decodedAll))\""
        }
        return nil
    }

    func checkMeta(_ fixture: FixtureCase, _ tokenizer: Tokenizer) -> String? {
        let name = fixture.tokenizer ?? "?"
        if let size = fixture.vocab_size, size != tokenizer.vocabularySize {
            return "\(name): vocabularySize expected \(size), got \(tokenizer.vocabularySize)"
        }
        for (token, id) in fixture.token_to_id ?? [:] where tokenizer.tokenToId(token) != id {
            return
                "\(name): tokenToId(\"\(describe(token))\") expected \(String(describing: id)), got \(String(describing: tokenizer.tokenToId(token)))"
        }
        for (idText, token) in fixture.id_to_token ?? [:] {
            let got = tokenizer.idToToken(Int(idText)!)
            let same: Bool
            switch (token, got) {
            case (nil, nil): same = true
            case (let want?, let have?): same = sameScalars(want, have)
            default: same = false
            }
            if !same {
                return
                    "\(name): idToToken(\(idText)) expected \(String(describing: token)), got \(String(describing: got))"
            }
        }
        return nil
    }

    func testBertBaseUncasedMatchesReference() throws {
        try checkEveryCase(of: "bert-base-uncased")
    }

    func testBertUncasedWithAddedTokensMatchesReference() throws {
        try checkEveryCase(of: "bert-uncased-added")
    }

    func testCasedWordPieceMatchesReference() throws {
        try checkEveryCase(of: "wordpiece-cased")
    }

    func testCasedWordPieceWithStrippedAccentsMatchesReference() throws {
        try checkEveryCase(of: "wordpiece-cased-strip")
    }

    func testSequenceNormalizerAndPreTokenizerMatchReference() throws {
        try checkEveryCase(of: "wordpiece-sequence")
    }

    func testNFCNormalizerAndWhitespacePreTokenizerMatchReference() throws {
        try checkEveryCase(of: "wordpiece-nfc")
    }

    func testNFKCWithoutPostProcessorOrDecoderMatchesReference() throws {
        try checkEveryCase(of: "wordpiece-nfkc")
    }

    /// Meta, added-token, no-special-token and truncation cases of the non-WordPiece fixtures.
    func testOtherModelsMatchReference() throws {
        for name in [
            "roberta-bpe", "gpt2-bpe", "llama3-bpe", "llama2-bpe", "bpe-char-suffix", "bpe-prefix",
            "xlmr-unigram", "sp-unigram", "unigram-bytefallback", "wordlevel", "wordlevel-split-removed",
            "wordlevel-split-isolated", "wordlevel-split-merged_with_previous",
            "wordlevel-split-merged_with_next", "wordlevel-split-contiguous",
        ] {
            try checkEveryCase(of: name)
        }
    }
}
