import Foundation
import SluiceJSON
import SluiceModels
import XCTest

@testable import SluicePipelines

final class FillMaskPipelineTests: XCTestCase {
    private func checkFixtures(_ model: String) throws {
        let pipeline = try Pipeline(folder: Fixtures.folder(model), runtime: .forTests)
        try Self.assertAnswersFillMaskFixtures(pipeline, of: model, label: model)
    }

    /// Every row of `model`'s `fill_mask.jsonl`, answered by `pipeline` as the reference did.
    static func assertAnswersFillMaskFixtures(_ pipeline: Pipeline, of model: String, label: String) throws {
        XCTAssertEqual(pipeline.task, .fillMask)
        let rows = try Fixtures.jsonLines("\(model)/expected/fill_mask.jsonl")
        XCTAssertGreaterThan(rows.count, 5)
        for row in rows {
            guard case .string(let input) = row["input"], case .string(let json) = row["json"] else {
                return XCTFail("bad fixture row")
            }
            let parameters = row["parameters"].flatMap { $0 == .object([]) ? nil : $0 }
            let ours = try pipeline.run([input], parameters: parameters)[0]
            let reference = try JSONValue.parse(Data(json.utf8))
            assertSameJSON(ours, reference, "\(label) \(input) \(parameters?.pythonJSON ?? "")")
        }
    }

    func testOutputsMatchTheTransformersPipelineOnTheUncasedVocabulary() throws {
        try checkFixtures("bert-tiny-uncased")
    }

    func testOutputsMatchTheTransformersPipelineWithAnUntiedCasedModel() throws {
        try checkFixtures("bert-tiny-cased")
    }

    func testDecodeCleanUpFollowsTokenizerConfig() throws {
        try checkFixtures("bert-tiny-cased-cleanup")
    }

    func testABatchOfMixedInputsAndParametersGivesEachInputsOwnAnswer() throws {
        let pipeline = try Pipeline(folder: Fixtures.folder("bert-tiny-uncased"), runtime: .forTests)
        let rows = try Fixtures.jsonLines("bert-tiny-uncased/expected/fill_mask.jsonl")
        var prepared: [PreparedInput] = []
        var references: [JSONValue] = []
        for row in rows {
            guard case .string(let input) = row["input"], case .string(let json) = row["json"] else {
                continue
            }
            let parameters = row["parameters"].flatMap { $0 == .object([]) ? nil : $0 }
            prepared.append(try pipeline.prepare(input, parameters: parameters))
            references.append(try JSONValue.parse(Data(json.utf8)))
        }
        let outputs = try pipeline.forward(prepared)
        for (i, (input, output)) in zip(prepared, outputs).enumerated() {
            assertSameJSON(try pipeline.finish(input, output), references[i], "batched row \(i)")
        }
    }

    func testNoMaskIsAValidationError() throws {
        let pipeline = try Pipeline(folder: Fixtures.folder("bert-tiny-uncased"), runtime: .forTests)
        XCTAssertThrowsError(try pipeline.prepare("no mask here")) { error in
            XCTAssertEqual((error as? PipelineError)?.kind, .validation)
            XCTAssertTrue("\(error)".contains("[MASK]"))
        }
    }

    func testBadParametersAreValidationErrors() throws {
        let pipeline = try Pipeline(folder: Fixtures.folder("bert-tiny-uncased"), runtime: .forTests)
        let bad: [JSONValue] = [
            .object([("top_k", .int(0))]),
            .object([("top_k", .string("5"))]),
            .object([("top_k", .number(2.5))]),
            .object([("top_k", .int(1_000_000))]),
            .object([("targets", .int(3))]),
            .object([("targets", .array([]))]),
            .object([("unknown", .bool(true))]),
            .string("not an object"),
        ]
        for parameters in bad {
            XCTAssertThrowsError(
                try pipeline.prepare("test [MASK]", parameters: parameters), parameters.pythonJSON
            ) {
                XCTAssertEqual(($0 as? PipelineError)?.kind, .validation, parameters.pythonJSON)
            }
        }
        XCTAssertThrowsError(try pipeline.prepare("")) {
            XCTAssertEqual(($0 as? PipelineError)?.kind, .validation)
        }
    }

    /// A target that the tokenizer knows as an added token past the model's vocabulary has no
    /// score: a validation error, not a read past the probabilities.
    func testATargetOutsideTheModelsVocabularyIsAValidationError() throws {
        let source = Fixtures.root.appendingPathComponent("bert-tiny-uncased")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-added-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["config.json", "model.safetensors", "tokenizer_config.json"] {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name),
                withDestinationURL: source.appendingPathComponent(name))
        }
        var tokenizer =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: source.appendingPathComponent("tokenizer.json")))
            as! [String: Any]
        var added = tokenizer["added_tokens"] as! [[String: Any]]
        added.append([
            "id": 30522, "content": "[NEW]", "single_word": false, "lstrip": false, "rstrip": false,
            "normalized": false, "special": false,
        ])
        tokenizer["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: tokenizer).write(
            to: folder.appendingPathComponent("tokenizer.json"))
        let pipeline = try Pipeline(folder: try ModelFolder(path: folder.path), runtime: .forTests)
        XCTAssertThrowsError(
            try pipeline.prepare(
                "test [MASK]", parameters: .object([("targets", .array([.string("[NEW]")]))]))
        ) { error in
            XCTAssertEqual((error as? PipelineError)?.kind, .validation)
            XCTAssertTrue("\(error)".contains("30522"), "\(error)")
        }
        // Targets inside the vocabulary still work.
        XCTAssertNoThrow(
            try pipeline.prepare("test [MASK]", parameters: .object([("targets", .array([.string("test")]))]))
        )
    }

    func testAnInputLongerThanTheModelIsAValidationError() throws {
        let pipeline = try Pipeline(folder: Fixtures.folder("bert-tiny-uncased"), runtime: .forTests)
        let text = String(repeating: "word ", count: 200) + "[MASK]"
        XCTAssertThrowsError(try pipeline.prepare(text)) { error in
            XCTAssertEqual((error as? PipelineError)?.kind, .validation)
            XCTAssertTrue("\(error)".contains("128"), "\(error)")
        }
    }
}
