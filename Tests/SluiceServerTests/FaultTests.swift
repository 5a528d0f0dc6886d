import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceScheduler
import SluiceServer
import Testing

/// Faults inside the engine: a batch whose forward pass throws, and a checkpoint whose weights
/// hold NaN. The batch's requests get 500 with a safe message, the requests queued behind it
/// are served, the inference thread lives on, and `/metrics` counts each failed batch.
@Suite("Faults in the forward pass", .timeLimit(.minutes(2)))
struct FaultTests {
    @Test("a failing batch answers its requests 500; the batches queued behind it are served")
    func failingBatch() async throws {
        let pipeline = FakePipeline()
        let metrics = ServerMetrics()
        let configuration = ServerConfiguration(scheduler: SchedulerConfiguration(maxBatchSize: 1))
        try await withServer(pipeline, configuration: configuration, metrics: metrics) { server in
            pipeline.hold()
            defer { pipeline.release() }
            let first = Task { try await server.post("first") }
            try await waitUntil("first computing") { pipeline.isComputing }
            let crash = Task { try await server.post("crash") }
            try await waitUntil("crash queued") { try await queueDepth(server) == 1 }
            let after = Task { try await server.post("after") }
            try await waitUntil("after queued") { try await queueDepth(server) == 2 }
            pipeline.release()

            #expect(try await first.value.status == .ok)
            let failed = try await crash.value
            #expect(failed.status == .internalServerError)
            #expect(failed.text == errorBody("internal", "internal error"))
            #expect(try await after.value.text == #"{"text":"AFTER","tokens":3}"#)
            #expect(pipeline.batches == [["first"], ["crash"], ["after"]])
            #expect(metricValue(metrics.render(), "sluice_forward_errors_total") == 1)
            #expect(try await server.post("again").status == .ok)
            #expect(try await server.request(.get, "/health").status == .ok)
        }
    }

    static let tinyBert = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/bert-tiny-uncased")

    /// A copy of the tiny BERT fixture whose tensor `name` holds NaN in every value.
    static func poisonedCopy(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-nan-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: tinyBert, to: folder)
        let file = folder.appendingPathComponent("model.safetensors")
        var bytes = [UInt8](try Data(contentsOf: file))
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        let header = try JSONValue.parse(Data(bytes[8..<(8 + headerLength)]))
        guard case .array(let offsets)? = header[name]?["data_offsets"],
            let start = offsets.first?.integralValue, let end = offsets.last?.integralValue
        else { throw PoisonError(name: name) }
        let nan = withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) }
        for offset in stride(from: 8 + headerLength + start, to: 8 + headerLength + end, by: 4) {
            bytes.replaceSubrange(offset..<(offset + 4), with: nan)
        }
        try Data(bytes).write(to: file)
        return folder
    }

    struct PoisonError: Error { var name: String }

    @Test("a checkpoint whose weights hold NaN answers 500 for each batch and the server lives on")
    func nanCheckpoint() async throws {
        let folder = try Self.poisonedCopy("bert.embeddings.LayerNorm.weight")
        defer { try? FileManager.default.removeItem(at: folder) }
        let metrics = ServerMetrics()
        let app = buildApplication(
            configuration: ServerConfiguration(modelID: "nan-bert"), metrics: metrics, logger: quietLogger
        ) {
            try Pipeline(folder: try ModelFolder(path: folder.path), runtime: .forTests)
        }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await waitUntil {
                (try? await TestClient.withClient(host: "localhost", port: port) {
                    try await $0.get("/health")
                })?
                .status == .ok
            }
            for _ in 0..<2 {
                let answer = try await TestClient.withClient(host: "localhost", port: port) {
                    try await $0.post("/", body: ByteBuffer(string: "test [MASK]"))
                }
                #expect(answer.status == .internalServerError)
                #expect(answer.text == errorBody("internal", "internal error"))
            }
            #expect(metricValue(metrics.render(), "sluice_forward_errors_total") == 2)
            let health = try await TestClient.withClient(host: "localhost", port: port) {
                try await $0.get("/health")
            }
            #expect(health.status == .ok)
        }
    }

    @Test("the engine refuses a non-finite result with an error that says so")
    func nanInPipeline() throws {
        let folder = try Self.poisonedCopy("bert.embeddings.LayerNorm.weight")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pipeline = try Pipeline(folder: try ModelFolder(path: folder.path), runtime: .forTests)
        #expect(
            throws: PipelineError(.internal, "the model computed NaN or infinity for a batch of 2 inputs")
        ) {
            try pipeline.run(["test [MASK]", "a [MASK] b"])
        }
    }
}
