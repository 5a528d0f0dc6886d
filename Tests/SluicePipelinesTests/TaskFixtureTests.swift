import Foundation
import SluiceJSON
import SluiceModels
import SluiceTensors
import XCTest

@testable import SluicePipelines

/// Every task against its reference pipeline on the checkpoints of
/// scripts/fixtures/make_task_fixtures.py: each case alone, then all cases of a model as one
/// ragged batch (different lengths, pairs, label counts and parameters), with identical results.
final class TaskFixtureTests: XCTestCase {
    private struct Case {
        var input: JSONValue
        var parameters: JSONValue?
        var reference: JSONValue
    }

    private func cases(_ model: String, _ file: String) throws -> [Case] {
        try Fixtures.jsonLines("tasks/\(model)/expected/\(file)").map { row in
            guard let input = row["input"], case .string(let json) = row["json"] else {
                throw ModelError("bad fixture row in \(model)/\(file)")
            }
            let parameters = row["parameters"].flatMap { $0 == .object([]) ? nil : $0 }
            return Case(input: input, parameters: parameters, reference: try JSONValue.parse(Data(json.utf8)))
        }
    }

    /// Checks every case of `file` for each model, its dense layers holding their weights as
    /// `denseWeights` says; `inferred` says the folder implies the task.
    private func check(
        _ task: PipelineTask, _ file: String, models: [String], inferred: Bool = true, minimumCases: Int = 5,
        denseWeights: DenseWeightFormat = .f32
    ) throws {
        for model in models {
            let folder = try Fixtures.folder("tasks/\(model)")
            let pipeline = try Pipeline(
                folder: folder, task: task, denseWeights: denseWeights, runtime: .forTests)
            if inferred {
                XCTAssertEqual(try PipelineTask.infer(folder: folder, config: pipeline.config), task, model)
            }
            let all = try cases(model, file)
            XCTAssertGreaterThanOrEqual(all.count, minimumCases, model)
            for item in all {
                let label = "\(model) \(item.input.pythonJSON) \(item.parameters?.pythonJSON ?? "")"
                let ours = try pipeline.run(inputs: [item.input], parameters: item.parameters)[0]
                assertSameJSON(ours, item.reference, label)
            }
            let prepared = try all.map { try pipeline.prepare(input: $0.input, parameters: $0.parameters) }
            let outputs = try pipeline.forward(prepared)
            XCTAssertEqual(outputs.count, all.count)
            for (i, (input, output)) in zip(prepared, outputs).enumerated() {
                assertSameJSON(
                    try pipeline.finish(input, output), all[i].reference, "\(model) batched case \(i)")
            }
        }
    }

    func testTextClassificationMatchesTheTransformersPipeline() throws {
        try check(
            .textClassification, "text_classification.jsonl",
            models: [
                "text-classification-bert", "text-classification-distilbert-multi-label",
                "text-classification-electra-regression", "text-classification-mpnet-one-label",
                "text-classification-roberta", "text-classification-xlm-roberta",
                "text-classification-camembert", "text-classification-mpnet",
                "text-classification-modernbert", "text-classification-modernbert-mean",
                "text-classification-qwen3", "text-classification-deberta-v2",
                "text-classification-deberta-v2-spm",
            ])
    }

    /// A bf16 checkpoint with `--weights bf16`: the dense layers use the stored bf16 values, the
    /// same values the reference widened to f32, so the answers are the reference's.
    func testBf16CheckpointKeptAsStoredMatchesTheReferenceInF32() throws {
        try check(
            .textClassification, "text_classification.jsonl", models: ["text-classification-qwen3-bf16"],
            denseWeights: .bf16)
    }

    func testTokenClassificationMatchesTheTransformersPipeline() throws {
        try check(
            .tokenClassification, "token_classification.jsonl",
            models: [
                "token-classification-bert", "token-classification-electra",
                "token-classification-distilbert", "token-classification-roberta",
                "token-classification-xlm-roberta", "token-classification-camembert",
                "token-classification-mpnet", "token-classification-modernbert", "token-classification-qwen3",
                "token-classification-deberta-v2", "token-classification-deberta-v2-spm",
                "token-classification-deberta-v2-legacy-json",
            ])
    }

    func testZeroShotClassificationMatchesTheTransformersPipeline() throws {
        try check(
            .zeroShotClassification, "zero_shot_classification.jsonl",
            models: [
                "zero-shot-bert", "zero-shot-distilbert-entailment-first", "zero-shot-roberta",
                "zero-shot-xlm-roberta", "zero-shot-camembert", "zero-shot-mpnet", "zero-shot-modernbert",
                "zero-shot-qwen3", "zero-shot-deberta-v2",
            ],
            inferred: false)
    }

    func testTextRankingMatchesCrossEncoderRank() throws {
        try check(
            .textRanking, "text_ranking.jsonl",
            models: [
                "text-ranking-bert", "text-ranking-electra-legacy", "text-ranking-xlm-roberta",
                "text-ranking-camembert", "text-ranking-mpnet", "text-ranking-modernbert",
                "text-ranking-qwen3",
            ])
    }

    func testSentenceEmbeddingsMatchSentenceTransformers() throws {
        try check(
            .sentenceEmbeddings, "sentence_embeddings.jsonl",
            models: [
                "sentence-embeddings-cls-dense-normalize", "sentence-embeddings-max-meansqrt-dense",
                "sentence-embeddings-weightedmean-prompts", "sentence-embeddings-lasttoken-mean",
                "sentence-embeddings-roberta-mean-normalize", "sentence-embeddings-xlm-roberta-mean",
                "sentence-embeddings-modernbert-mean-prompts", "sentence-embeddings-modernbert-every-pooling",
                "sentence-embeddings-qwen3-lasttoken",
            ])
    }

    func testFeatureExtractionMatchesTheTransformersPipelineOnOtherFamilies() throws {
        try check(
            .featureExtraction, "feature_extraction.jsonl",
            models: [
                "feature-extraction-distilbert", "feature-extraction-electra", "feature-extraction-mpnet",
                "feature-extraction-roberta", "feature-extraction-xlm-roberta",
                "feature-extraction-camembert", "feature-extraction-modernbert", "feature-extraction-qwen3",
                "feature-extraction-deberta-v2",
            ])
    }

    func testFillMaskMatchesTheTransformersPipelineOnOtherFamilies() throws {
        try check(
            .fillMask, "fill_mask.jsonl",
            models: [
                "fill-mask-distilbert", "fill-mask-electra", "fill-mask-mpnet", "fill-mask-roberta",
                "fill-mask-xlm-roberta", "fill-mask-camembert", "fill-mask-mpnet-lstrip-mask",
                "fill-mask-modernbert", "fill-mask-deberta-v2", "fill-mask-deberta-v2-spm",
            ])
    }

    func testQuestionAnsweringMatchesTransformers457() throws {
        try check(
            .questionAnswering, "question_answering.jsonl",
            models: [
                "question-answering-bert", "question-answering-distilbert", "question-answering-electra",
                "question-answering-roberta", "question-answering-xlm-roberta",
                "question-answering-camembert",
                "question-answering-mpnet", "question-answering-modernbert",
                "question-answering-deberta-v2",
            ])
    }
}
