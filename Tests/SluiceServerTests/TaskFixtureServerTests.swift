import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceServer
import Testing

/// Every task through `POST /` and the scheduler, on the checkpoints of
/// scripts/fixtures/make_task_fixtures.py: all of a model's fixture rows are sent at once, each
/// on a connection of its own, so the inference thread batches rows of different lengths,
/// pairs and parameters together; each answer must be the reference's output for its row.
@Suite("Task fixtures through the Inference API", .serialized, .timeLimit(.minutes(5)))
struct TaskFixtureServerTests {
    static let tasks = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/tasks")

    /// A fixture folder, the task it is served for and its file of expected outputs.
    struct Model: Sendable, CustomTestStringConvertible {
        var folder: String
        var task: PipelineTask
        var file: String
        var testDescription: String { folder }
    }

    /// Each task on each tokenizer family its fixtures cover (WordPiece, byte-level BPE,
    /// Unigram with XLM-R's and with CamemBERT's special ids, MPNet's WordPiece, Qwen2's
    /// byte-level BPE with its Split regex, DeBERTa-v3's Unigram from tokenizer.json and from
    /// spm.model alone).
    static let models: [Model] = [
        (
            "text-classification",
            [
                "bert", "roberta", "xlm-roberta", "camembert", "mpnet", "modernbert-mean", "qwen3",
                "deberta-v2-spm",
            ]
        ),
        (
            "token-classification",
            [
                "bert", "roberta", "xlm-roberta", "camembert", "mpnet", "modernbert", "qwen3", "deberta-v2",
                "deberta-v2-spm", "deberta-v2-legacy-json",
            ]
        ),
        (
            "zero-shot",
            ["bert", "roberta", "xlm-roberta", "camembert", "mpnet", "modernbert", "qwen3", "deberta-v2"]
        ),
        (
            "question-answering",
            ["bert", "roberta", "xlm-roberta", "camembert", "mpnet", "modernbert", "deberta-v2"]
        ),
        ("text-ranking", ["bert", "xlm-roberta", "camembert", "mpnet", "modernbert", "qwen3"]),
        (
            "feature-extraction",
            ["roberta", "xlm-roberta", "camembert", "mpnet", "modernbert", "qwen3", "deberta-v2"]
        ),
        (
            "fill-mask",
            [
                "roberta", "xlm-roberta", "camembert", "mpnet-lstrip-mask", "modernbert", "deberta-v2",
                "deberta-v2-spm",
            ]
        ),
        (
            "sentence-embeddings",
            [
                "cls-dense-normalize", "roberta-mean-normalize", "xlm-roberta-mean",
                "modernbert-mean-prompts", "qwen3-lasttoken",
            ]
        ),
    ].flatMap { prefix, variants in
        variants.map { variant in
            let task = PipelineTask(name: prefix == "zero-shot" ? "zero-shot-classification" : prefix)!
            return Model(
                folder: "\(prefix)-\(variant)", task: task,
                file: task.rawValue.replacingOccurrences(of: "-", with: "_") + ".jsonl")
        }
    }

    struct Row: Sendable {
        var input: JSONValue
        var parameters: JSONValue
        var reference: JSONValue
    }

    struct FixtureError: Error {}

    static func rows(_ model: Model) throws -> [Row] {
        let text = try String(
            contentsOf: tasks.appendingPathComponent("\(model.folder)/expected/\(model.file)"),
            encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let row = try JSONValue.parse(Data(line.utf8))
            guard let input = row["input"], let parameters = row["parameters"],
                case .string(let json)? = row["json"]
            else { throw FixtureError() }
            return Row(
                input: input, parameters: parameters, reference: try JSONValue.parse(Data(json.utf8)))
        }
    }

    /// Whether a JSON answer is the reference pipeline's answer in the Inference API's shape
    /// (`InferenceAPIShapes`): zero-shot as `[{"label", "score"}]`; text classification as a
    /// list per input, every label without `top_k`, the pipeline's best label first.
    static func sameAsInferenceAPI(_ answer: JSONValue, _ row: Row, task: PipelineTask) -> Bool {
        func zeroShot(_ reference: JSONValue) -> JSONValue {
            let labels = reference["labels"]?.arrayValue ?? []
            let scores = reference["scores"]?.arrayValue ?? []
            return .array(zip(labels, scores).map { .object([("label", $0), ("score", $1)]) })
        }
        let isList = row.input.arrayValue != nil
        switch task {
        case .zeroShotClassification:
            let reference =
                isList
                ? JSONValue.array((row.reference.arrayValue ?? []).map(zeroShot)) : zeroShot(row.reference)
            return sameJSON(answer, reference)
        case .textClassification:
            let answers = isList ? answer.arrayValue ?? [] : [answer.arrayValue?.first ?? .null]
            if row.parameters["top_k"] != nil {
                return sameJSON(.array(answers), isList ? row.reference : .array([row.reference]))
            }
            // The pipeline's legacy answer is its best label alone (wrapped in a list for a lone text).
            let best =
                isList ? row.reference.arrayValue ?? [] : [row.reference.arrayValue?.first ?? row.reference]
            return answers.count == best.count
                && zip(answers, best).allSatisfy { sameJSON($0.arrayValue?.first ?? .null, $1) }
        default:
            return sameJSON(answer, row.reference)
        }
    }

    @Test("every row at once, each answered as the reference answers it alone", arguments: models)
    func everyRowAtOnce(_ model: Model) async throws {
        let rows = try Self.rows(model)
        #expect(rows.count >= 5)
        let folder = Self.tasks.appendingPathComponent(model.folder).path
        try await withLiveServer(modelID: model.folder) {
            try Pipeline(folder: try ModelFolder(path: folder), task: model.task, runtime: .forTests)
        } _: { port in
            try await withThrowingTaskGroup(of: (Int, TestClient.Response).self) { group in
                for (i, row) in rows.enumerated() {
                    let body = JSONValue.object([("inputs", row.input), ("parameters", row.parameters)])
                    group.addTask {
                        let response = try await TestClient.withClient(host: "localhost", port: port) {
                            try await $0.post(
                                "/", headers: [.contentType: "application/json"],
                                body: ByteBuffer(string: body.pythonJSON))
                        }
                        return (i, response)
                    }
                }
                for try await (i, response) in group {
                    let label =
                        "\(model.folder) row \(i): \(rows[i].input.pythonJSON) \(rows[i].parameters.pythonJSON)"
                    #expect(response.status == .ok, "\(label): \(response.text)")
                    let answer = try JSONValue.parse(Data(response.text.utf8))
                    #expect(
                        Self.sameAsInferenceAPI(answer, rows[i], task: model.task),
                        "\(label): \(response.text)")
                }
            }
        }
    }

    @Test("a JSON list of texts to a classifier answers one list of labels per text, as the Inference API")
    func classificationList() async throws {
        guard let model = Self.models.first(where: { $0.task == .textClassification }) else {
            Issue.record("no text-classification fixture")
            return
        }
        let folder = Self.tasks.appendingPathComponent(model.folder).path
        try await withLiveServer(modelID: model.folder) {
            try Pipeline(folder: try ModelFolder(path: folder), task: model.task, runtime: .forTests)
        } _: { port in
            func post(_ inputs: JSONValue) async throws -> JSONValue {
                let response = try await TestClient.withClient(host: "localhost", port: port) {
                    try await $0.post(
                        "/", headers: [.contentType: "application/json"],
                        body: ByteBuffer(string: JSONValue.object([("inputs", inputs)]).pythonJSON))
                }
                return try JSONValue.parse(Data(response.text.utf8))
            }
            let first = try await post("a first text")
            let second = try await post("another one")
            let both = try await post(.array(["a first text", "another one"]))
            // Each lone text: [[labels]]; the list: [[labels of the first], [labels of the second]].
            #expect(first.arrayValue?.count == 1 && second.arrayValue?.count == 1)
            #expect(sameJSON(both, .array([first.arrayValue?[0] ?? .null, second.arrayValue?[0] ?? .null])))
        }
    }
}
