import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceServer
import Testing

/// The real engine behind the server: the fixture fill-mask model and its reference outputs from
/// the transformers pipeline (scripts/fixtures/), compared as the issue says: keys, order and
/// nesting identical, scores within 1e-4.
@Suite("The recipe's example against a fill-mask model", .timeLimit(.minutes(2)))
struct RecipeExampleTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/bert-tiny-uncased")

    struct Row {
        var input: String
        var parameters: JSONValue
        var reference: JSONValue
    }

    static func rows() throws -> [Row] {
        let text = try String(
            contentsOf: fixtures.appendingPathComponent("expected/fill_mask.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let row = try JSONValue.parse(Data(line.utf8))
            guard case .string(let input)? = row["input"], case .string(let json)? = row["json"] else {
                throw FixtureError()
            }
            return Row(
                input: input, parameters: row["parameters"] ?? .object([]),
                reference: try JSONValue.parse(Data(json.utf8)))
        }
    }

    struct FixtureError: Error {}

    /// Runs `body` against a live server around the fixture model.
    func withFillMaskServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let app = buildApplication(
            configuration: ServerConfiguration(modelID: "bert-tiny-uncased"), logger: quietLogger
        ) {
            try Pipeline(folder: try ModelFolder(path: Self.fixtures.path), runtime: .forTests)
        }
        try await app.test(.live) { client in
            let port = client.port!
            try await waitUntil { (try? await get(port, "/health"))?.status == .ok }
            try await body(port)
        }
    }

    @Test("curl -X POST -d \"test [MASK]\" answers the transformers pipeline's JSON")
    func recipeExample() async throws {
        let reference = try #require(try Self.rows().first)
        #expect(reference.input == "test [MASK]")
        try await withFillMaskServer { port in
            // What curl -d sends: a form content type, the text as the body.
            let response = try await post(
                port, "test [MASK]", contentType: "application/x-www-form-urlencoded")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let answer = try JSONValue.parse(Data(response.text.utf8))
            #expect(sameJSON(answer, reference.reference), "\(response.text)")
            // Compact, as starlette writes it: no spaces after separators.
            #expect(response.text.hasPrefix(#"[{"score":0."#))
            #expect(!response.text.contains(", ") && !response.text.contains(": "))
        }
    }

    @Test("every fixture row through the Inference API, single and as one list")
    func everyFixtureRow() async throws {
        let rows = try Self.rows()
        try await withFillMaskServer { port in
            for row in rows {
                let body = JSONValue.object([("inputs", .string(row.input)), ("parameters", row.parameters)])
                let response = try await post(port, body.pythonJSON, contentType: "application/json")
                #expect(response.status == .ok, "\(row.input)")
                #expect(
                    sameJSON(try JSONValue.parse(Data(response.text.utf8)), row.reference), "\(row.input)")
            }
            let plain = rows.filter { $0.parameters == .object([]) }
            let list = JSONValue.object([("inputs", .array(plain.map { .string($0.input) }))])
            let response = try await post(port, list.pythonJSON, contentType: "application/json")
            #expect(response.status == .ok)
            #expect(sameJSON(try JSONValue.parse(Data(response.text.utf8)), .array(plain.map(\.reference))))
        }
    }

    @Test("the engine's validation errors are 422; /info describes the model")
    func validationAndInfo() async throws {
        try await withFillMaskServer { port in
            let noMask = try await post(port, "no mask here", contentType: "text/plain")
            #expect(noMask.status == .unprocessableContent)
            #expect(noMask.text == errorBody("validation", "No mask_token ([MASK]) found on the input"))
            let badParameter = try await post(
                port, #"{"inputs": "a [MASK]", "parameters": {"top_k": "x"}}"#,
                contentType: "application/json")
            #expect(badParameter.status == .unprocessableContent)
            let info = try JSONValue.parse(Data(try await get(port, "/info").text.utf8))
            #expect(info["task"] == .string("fill-mask"))
            #expect(info["architecture"] == .string("BertForMaskedLM"))
            #expect(info["model_id"] == .string("bert-tiny-uncased"))
        }
    }
}

private func get(_ port: Int, _ uri: String) async throws -> TestClient.Response {
    try await TestClient.withClient(host: "localhost", port: port) { try await $0.get(uri) }
}

private func post(_ port: Int, _ body: String, contentType: String) async throws -> TestClient.Response {
    try await TestClient.withClient(host: "localhost", port: port) {
        try await $0.post("/", headers: [.contentType: contentType], body: ByteBuffer(string: body))
    }
}

/// Structural equality with floats within `tolerance`; everything else identical, keys in order.
func sameJSON(_ ours: JSONValue, _ reference: JSONValue, tolerance: Double = 1e-4) -> Bool {
    switch (ours, reference) {
    case (.number(let a), .number(let b)): return abs(a - b) <= tolerance
    case (.array(let a), .array(let b)):
        return a.count == b.count && zip(a, b).allSatisfy { sameJSON($0, $1) }
    case (.object(let a), .object(let b)):
        return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && sameJSON($0.1, $1.1) }
    default: return ours == reference
    }
}
