import Foundation
import XCTest

@testable import SluiceTokenizers

/// Model folders without `tokenizer.json`: the tokenizer built from vocab.txt, vocab.json +
/// merges.txt or a SentencePiece model must encode the corpus as the tokenizer transformers
/// builds from the same folder.
final class TokenizerFolderTests: XCTestCase {
    func checkFolder(
        _ name: String, kind: TokenizerSource.Kind, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let folder = Fixtures.directory.appendingPathComponent(name)
        let (tokenizer, source) = try Tokenizer.load(folder: folder)
        XCTAssertEqual(source.kind, kind, file: file, line: line)
        XCTAssertTrue(source.files.contains("tokenizer_config.json"), "\(source)", file: file, line: line)
        let (passed, failures) = try CorpusFixtures.check(name, with: tokenizer)
        print("\(name) (\(source)): \(passed) of \(passed + failures.count) corpus cases match the reference")
        XCTAssertGreaterThan(passed, 0, file: file, line: line)
        for failure in failures.prefix(10) { XCTFail(failure, file: file, line: line) }
        XCTAssertEqual(failures.count, 0, "\(name): \(failures.count) cases differ", file: file, line: line)
    }

    func testCasedBertVocabularyFolder() throws {
        try checkFolder("folder-bert-cased", kind: .wordPiece)
    }

    func testLowercasingBertVocabularyFolderReadsTokenizerConfig() throws {
        try checkFolder("folder-bert-lower", kind: .wordPiece)
    }

    func testRobertaVocabularyAndMergesFolder() throws {
        try checkFolder("folder-roberta", kind: .byteLevelBPE)
    }

    func testXLMRobertaSentencePieceFolder() throws {
        try checkFolder("folder-xlmr", kind: .sentencePiece)
    }

    func testFolderWithTokenizerJSONUsesIt() throws {
        let (_, source) = try Tokenizer.load(folder: Fixtures.directory.appendingPathComponent("roberta-bpe"))
        XCTAssertEqual(source, TokenizerSource(kind: .tokenizerJSON, files: ["tokenizer.json"]))
    }

    func testEmptyFolderIsAnErrorNamingWhatIsExpected() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-empty-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try Tokenizer.load(folder: empty)) { error in
            XCTAssertTrue(String(describing: error).contains("vocab.txt"), "\(error)")
        }
    }
}
