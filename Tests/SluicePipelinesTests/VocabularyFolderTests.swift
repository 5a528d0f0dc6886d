import Foundation
import SluiceJSON
import SluiceModels
import XCTest

@testable import SluicePipelines

/// A model folder without `tokenizer.json` is served with the tokenizer transformers builds from
/// its `vocab.txt`, which for a BERT checkpoint is the one its `tokenizer.json` holds: the answers
/// are the reference's for the `tokenizer.json` folder.
final class VocabularyFolderTests: XCTestCase {
    /// bert-tiny-uncased with `vocab.txt` (its `tokenizer.json` vocabulary, one token per line in
    /// id order, as `BertTokenizer.save_vocabulary` writes it) in place of `tokenizer.json`.
    private func vocabularyOnlyCopy(of model: String) throws -> URL {
        let source = Fixtures.root.appendingPathComponent(model)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-vocab-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        for name in ["config.json", "model.safetensors", "tokenizer_config.json"] {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name),
                withDestinationURL: source.appendingPathComponent(name))
        }
        let tokenizer = try JSONValue.parse(Data(contentsOf: source.appendingPathComponent("tokenizer.json")))
        guard let vocabulary = tokenizer["model"]?["vocab"]?.objectMembers else {
            throw ModelError("\(model)/tokenizer.json has no model.vocab")
        }
        var tokens = [String](repeating: "", count: vocabulary.count)
        for (token, id) in vocabulary {
            guard case .int(let id) = id, tokens.indices.contains(id) else {
                throw ModelError("\(model)/tokenizer.json: ids are not 0..<\(vocabulary.count)")
            }
            tokens[id] = token
        }
        try Data(tokens.map { $0 + "\n" }.joined().utf8).write(to: folder.appendingPathComponent("vocab.txt"))
        return folder
    }

    func testABertFolderWithOnlyVocabTxtAnswersFillMaskAsWithTokenizerJSON() throws {
        let folder = try vocabularyOnlyCopy(of: "bert-tiny-uncased")
        let pipeline = try Pipeline(folder: try ModelFolder(path: folder.path), runtime: .forTests)
        XCTAssertEqual(pipeline.tokenizer.source.kind, .wordPiece)
        try FillMaskPipelineTests.assertAnswersFillMaskFixtures(
            pipeline, of: "bert-tiny-uncased", label: "vocab.txt")
    }

    func testAFolderWithoutAnyTokenizerIsALoadErrorNamingWhatIsExpected() throws {
        let folder = try vocabularyOnlyCopy(of: "bert-tiny-uncased")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("vocab.txt"))
        XCTAssertThrowsError(try Pipeline(folder: try ModelFolder(path: folder.path), runtime: .forTests)) {
            XCTAssertEqual(($0 as? PipelineError)?.kind, .load)
            XCTAssertTrue("\($0)".contains("vocab.txt"), "\($0)")
        }
    }
}
