import Foundation
import SluiceJSON
import SluiceModels
import XCTest

@testable import SluicePipelines

/// The parameters beyond each task's basics, against the reference on the checkpoints of
/// scripts/fixtures/make_pipeline_feature_fixtures.py: token-classification `stride` and
/// `is_split_into_words`, text-classification `truncation` and `max_length`, CrossEncoder
/// prompts and multi-label cross-encoders. Each case alone, then all the cases the reference
/// answers as one ragged batch, with identical results; a case the reference refuses is a
/// validation error (HTTP 422) here, never a crash.
final class PipelineFeatureFixtureTests: XCTestCase {
    private struct Case {
        var input: JSONValue
        var parameters: JSONValue?
        /// nil: the reference refuses the case.
        var reference: JSONValue?
        var referenceError: String?
    }

    private func cases(_ model: String, _ file: String) throws -> [Case] {
        try Fixtures.jsonLines("tasks/\(model)/expected/\(file)").map { row in
            guard let input = row["input"] else { throw ModelError("bad fixture row in \(model)/\(file)") }
            let parameters = row["parameters"].flatMap { $0 == .object([]) ? nil : $0 }
            if case .string(let json) = row["json"] {
                return Case(
                    input: input, parameters: parameters, reference: try JSONValue.parse(Data(json.utf8)))
            }
            guard case .string(let message) = row["error"] else {
                throw ModelError("fixture row in \(model)/\(file) has neither json nor error")
            }
            return Case(input: input, parameters: parameters, referenceError: message)
        }
    }

    private func check(
        _ task: PipelineTask, _ file: String, models: [String], minimumCases: Int = 10, minimumErrors: Int = 1
    ) throws {
        for model in models {
            let folder = try Fixtures.folder("tasks/\(model)")
            let pipeline = try Pipeline(folder: folder, task: task, runtime: .forTests)
            XCTAssertEqual(try PipelineTask.infer(folder: folder, config: pipeline.config), task, model)
            let all = try cases(model, file)
            XCTAssertGreaterThanOrEqual(all.count, minimumCases, model)
            XCTAssertGreaterThanOrEqual(all.filter { $0.reference == nil }.count, minimumErrors, model)
            for item in all {
                let label = "\(model) \(item.input.pythonJSON) \(item.parameters?.pythonJSON ?? "")"
                if let reference = item.reference {
                    let ours = try pipeline.run(inputs: [item.input], parameters: item.parameters)[0]
                    assertSameJSON(ours, reference, label)
                } else {
                    XCTAssertThrowsError(
                        try pipeline.run(inputs: [item.input], parameters: item.parameters),
                        "\(label): the reference refuses it (\(item.referenceError ?? ""))"
                    ) { error in
                        XCTAssertEqual((error as? PipelineError)?.kind, .validation, "\(label): \(error)")
                    }
                }
            }
            let answered = all.filter { $0.reference != nil }
            let prepared = try answered.map {
                try pipeline.prepare(input: $0.input, parameters: $0.parameters)
            }
            let outputs = try pipeline.forward(prepared)
            XCTAssertEqual(outputs.count, answered.count)
            for (i, (input, output)) in zip(prepared, outputs).enumerated() {
                assertSameJSON(
                    try pipeline.finish(input, output), answered[i].reference!, "\(model) batched case \(i)")
            }
        }
    }

    func testTokenClassificationStrideAndSplitWordsMatchTheTransformersPipeline() throws {
        try check(
            .tokenClassification, "token_classification.jsonl",
            models: [
                "token-classification-stride-bert", "token-classification-stride-roberta",
                "token-classification-stride-xlm-roberta",
            ], minimumErrors: 3)
    }

    func testTextClassificationTruncationMatchesTheTransformersPipeline() throws {
        try check(
            .textClassification, "text_classification.jsonl",
            models: ["text-classification-truncation-bert", "text-classification-truncation-roberta"],
            minimumErrors: 3)
    }

    func testTextRankingPromptsAndMultiLabelMatchCrossEncoder() throws {
        try check(
            .textRanking, "text_ranking.jsonl",
            models: ["text-ranking-prompts-bert", "text-ranking-multi-label-bert"], minimumErrors: 2)
    }

    func testDenseModulesStoredAsPytorchModelBinMatchSentenceTransformers() throws {
        try check(
            .sentenceEmbeddings, "sentence_embeddings.jsonl",
            models: ["sentence-embeddings-dense-pytorch-bin"],
            minimumCases: 5, minimumErrors: 0)
    }

    func testStrideWindowsAreSeparateSequencesOfOneInput() throws {
        let pipeline = try Pipeline(
            folder: try Fixtures.folder("tasks/token-classification-stride-bert"), task: .tokenClassification,
            runtime: .forTests)
        let text = "The doctor worked in London as a model, and the carpenter in Paris as a doctor."
        let windowed = try pipeline.prepare(
            input: .string(text),
            parameters: .object([("stride", .int(3)), ("aggregation_strategy", .string("simple"))]))
        let single = try pipeline.prepare(input: .string(text), parameters: nil)
        XCTAssertGreaterThan(windowed.sequences.count, 1)
        XCTAssertEqual(single.sequences.count, 1)
        XCTAssertEqual(windowed.sequences[0], single.sequences[0])
        XCTAssertTrue(windowed.sequences.allSatisfy { $0.ids.count <= 12 })
    }

    func testOverlongTextClassificationInputIsAValidationErrorThatNamesTruncation() throws {
        let pipeline = try Pipeline(
            folder: try Fixtures.folder("tasks/text-classification-truncation-bert"),
            task: .textClassification, runtime: .forTests)
        let text = String(repeating: "The doctor worked in London as a model. ", count: 10)
        XCTAssertThrowsError(try pipeline.prepare(input: .string(text), parameters: nil)) { error in
            XCTAssertEqual((error as? PipelineError)?.kind, .validation)
            XCTAssertTrue("\(error)".contains("truncation"), "\(error)")
        }
        XCTAssertThrowsError(
            try pipeline.prepare(
                input: .string(text), parameters: .object([("truncation", .string("sideways"))]))
        ) { error in
            XCTAssertEqual((error as? PipelineError)?.kind, .validation)
        }
    }
}
