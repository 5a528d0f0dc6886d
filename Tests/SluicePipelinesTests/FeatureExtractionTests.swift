import Foundation
import SluiceJSON
import SluiceModels
import XCTest

@testable import SluicePipelines

final class FeatureExtractionTests: XCTestCase {
    func testTokenVectorsMatchTheTransformersPipeline() throws {
        for model in ["bert-tiny-uncased", "bert-tiny-cased"] {
            let pipeline = try Pipeline(
                folder: Fixtures.folder(model), task: .featureExtraction, runtime: .forTests)
            let rows = try Fixtures.jsonLines("\(model)/expected/feature_extraction.jsonl")
            XCTAssertFalse(rows.isEmpty)
            let inputs = rows.compactMap { row -> String? in
                if case .string(let s) = row["input"] { return s }
                return nil
            }
            // All inputs as one ragged batch, against the pipeline with the model in float64. These
            // models' large initializer_range amplifies float32 rounding: PyTorch's float32 answer
            // (`output`) is itself up to 6e-5 from the float64 one, so two float32 engines that
            // round in other orders (AVX2 against AVX-512 sums) can be 1e-4 apart; the float64
            // answer measures our own error.
            let outputs = try pipeline.run(inputs)
            for (row, ours) in zip(rows, outputs) {
                let exact = try XCTUnwrap(row["output_f64"], "no output_f64: run make_model_fixtures.py")
                assertSameJSON(ours, exact, "\(model) \(row["input"]!.pythonJSON)")
            }
        }
    }

    /// CLS and last-token pooling read single rows, so the encoder keeps only those through its
    /// last layer (one row in `ModelOutput.rows`); mean pooling reads every row. The answers are the
    /// fixtures' either way (TaskFixtureTests checks every row; here, the path taken).
    func testSingleRowPoolingKeepsOnlyItsRows() throws {
        let cls = try Pipeline(
            folder: Fixtures.folder("tasks/sentence-embeddings-cls-dense-normalize"), runtime: .forTests)
        let input = try cls.prepare("Hello world!")
        let rows = try cls.forward([input])[0].rows
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0].count, cls.config.hiddenSize, "CLS pooling computed every row")
        let expected = try Fixtures.jsonLines(
            "tasks/sentence-embeddings-cls-dense-normalize/expected/sentence_embeddings.jsonl")[0]
        guard case .string(let json) = expected["json"] else { return XCTFail("bad fixture row") }
        assertSameJSON(
            try cls.finish(input, try cls.forward([input])[0]), try JSONValue.parse(Data(json.utf8)), "CLS")

        let mean = try Pipeline(
            folder: Fixtures.folder("tasks/sentence-embeddings-roberta-mean-normalize"), runtime: .forTests)
        let meanInput = try mean.prepare("Hello world!")
        XCTAssertEqual(
            try mean.forward([meanInput])[0].rows[0].count, meanInput.tokenCount * mean.config.hiddenSize,
            "mean pooling did not get every row")
    }

    func testSentenceEmbeddingsOfTheRealMiniLMMatchSentenceTransformers() throws {
        let folder = try Fixtures.miniLM()
        let pipeline = try Pipeline(folder: folder, runtime: .forTests)
        XCTAssertEqual(pipeline.task, .sentenceEmbeddings)
        XCTAssertEqual(pipeline.maxInputTokens, 256)
        let rows = try Fixtures.jsonLines("minilm/expected/sentence_embeddings.jsonl")
        let inputs = rows.compactMap { row -> String? in
            if case .string(let s) = row["input"] { return s }
            return nil
        }
        let outputs = try pipeline.run(inputs)
        for (row, ours) in zip(rows, outputs) {
            let x = numbers(ours)
            let y = numbers(row["embedding"]!)
            XCTAssertEqual(x.count, 384)
            let dot = zip(x, y).map { $0 * $1 }.reduce(0, +)
            let normX = x.map { $0 * $0 }.reduce(0, +).squareRoot()
            let normY = y.map { $0 * $0 }.reduce(0, +).squareRoot()
            let cosine = dot / (normX * normY)
            XCTAssertGreaterThanOrEqual(cosine, 0.9999, "\(row["input"]!.pythonJSON)")
        }
    }

    func testTaskIsInferredFromTheFolder() throws {
        XCTAssertEqual(
            try Pipeline(folder: Fixtures.folder("bert-tiny-cased"), runtime: .forTests).task, .fillMask)
        let config = try BertConfig(json: ["architectures": ["BertModel"]], path: "config.json")
        XCTAssertEqual(
            try PipelineTask.infer(folder: Fixtures.folder("bert-tiny-cased"), config: config),
            .featureExtraction)
        let classifier = try BertConfig(
            json: ["architectures": ["BertForTokenClassification"]], path: "config.json")
        XCTAssertEqual(
            try PipelineTask.infer(folder: Fixtures.folder("bert-tiny-cased"), config: classifier),
            .tokenClassification)
        let unknown = try BertConfig(
            json: ["architectures": ["BertForNextSentencePrediction"]], path: "config.json")
        XCTAssertThrowsError(
            try PipelineTask.infer(folder: Fixtures.folder("bert-tiny-cased"), config: unknown))
    }

    private func numbers(_ value: JSONValue) -> [Double] {
        guard case .array(let items) = value else { return [] }
        return items.map { item -> Double in
            if case .number(let v) = item { return v }
            return .nan
        }
    }
}
