import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceServer
import Testing

/// Token-classification's `is_split_into_words` and `stride` through `POST /`, against the
/// reference outputs of scripts/fixtures/make_pipeline_feature_fixtures.py: a list of words is
/// one sentence, a list of such lists several, both answered as the pipeline answers them.
@Suite("Split words and stride through the Inference API", .timeLimit(.minutes(2)))
struct PipelineFeatureServerTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/tasks/token-classification-stride-bert")

    struct Row {
        var input: JSONValue
        var parameters: JSONValue
        var reference: JSONValue
    }

    struct FixtureError: Error {}

    /// The fixture rows the reference answers.
    static func rows() throws -> [Row] {
        let text = try String(
            contentsOf: folder.appendingPathComponent("expected/token_classification.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let row = try JSONValue.parse(Data(line.utf8))
            guard let input = row["input"], let parameters = row["parameters"] else { throw FixtureError() }
            guard case .string(let json)? = row["json"] else { return nil }
            return Row(input: input, parameters: parameters, reference: try JSONValue.parse(Data(json.utf8)))
        }
    }

    func withServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let app = buildApplication(
            configuration: ServerConfiguration(modelID: "token-classification-stride-bert"),
            logger: quietLogger
        ) {
            try Pipeline(folder: try ModelFolder(path: Self.folder.path), runtime: .forTests)
        }
        try await app.test(.live) { client in
            let port = client.port!
            try await waitUntil {
                (try? await TestClient.withClient(host: "localhost", port: port) {
                    try await $0.get("/health")
                })?
                .status == .ok
            }
            try await body(port)
        }
    }

    func post(_ port: Int, _ body: JSONValue) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "localhost", port: port) {
            try await $0.post(
                "/", headers: [.contentType: "application/json"], body: ByteBuffer(string: body.pythonJSON))
        }
    }

    @Test("a list of words is one sentence; a list of word lists is several; stride windows")
    func splitWordsAndStride() async throws {
        let rows = try Self.rows()
        let split = rows.filter { $0.parameters == .object([("is_split_into_words", .bool(true))]) }
        let strided = rows.filter {
            $0.parameters["stride"] != nil && $0.parameters["is_split_into_words"] == nil
        }
        #expect(split.count >= 3)
        #expect(strided.count >= 5)
        try await withServer { port in
            for row in split {
                let response = try await post(
                    port, .object([("inputs", row.input), ("parameters", row.parameters)]))
                #expect(response.status == .ok, "\(row.input.pythonJSON)")
                #expect(
                    sameJSON(try JSONValue.parse(Data(response.text.utf8)), .array([row.reference])),
                    "\(row.input.pythonJSON): \(response.text)")
            }
            let batch = try await post(
                port,
                .object([
                    ("inputs", .array(split.map(\.input))),
                    ("parameters", .object([("is_split_into_words", .bool(true))])),
                ]))
            #expect(batch.status == .ok)
            #expect(sameJSON(try JSONValue.parse(Data(batch.text.utf8)), .array(split.map(\.reference))))
            for row in strided {
                guard case .string = row.input else { continue }
                let response = try await post(
                    port, .object([("inputs", row.input), ("parameters", row.parameters)]))
                #expect(response.status == .ok)
                #expect(
                    sameJSON(try JSONValue.parse(Data(response.text.utf8)), row.reference),
                    "\(row.parameters.pythonJSON): \(response.text)")
            }
            let noWords = try await post(
                port,
                .object([
                    ("inputs", .string("Hello world")),
                    ("parameters", .object([("is_split_into_words", .bool(true))])),
                ]))
            #expect(noWords.status == .unprocessableContent)
        }
    }
}
