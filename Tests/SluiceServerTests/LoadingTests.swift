import Dispatch
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import SluicePipelines
import SluiceServer
import Testing

@Suite("Loading the model while the server listens", .timeLimit(.minutes(2)))
struct LoadingTests {
    @Test("while the model loads every route answers 503; once loaded /health turns 200")
    func loadingAnswers503() async throws {
        let loadMayFinish = DispatchSemaphore(value: 0)
        let pipeline = FakePipeline()
        let app = buildApplication(configuration: ServerConfiguration(), logger: quietLogger) {
            loadMayFinish.wait()
            return pipeline
        }
        try await app.test(.live) { client in
            let server = TestServer(port: client.port!, pipeline: pipeline)
            let health = try await server.request(.get, "/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.headers[.retryAfter] == "1")
            #expect(health.text == errorBody("overloaded", "the model is loading"))
            let early = try await server.post("early")
            #expect(early.status == .serviceUnavailable)
            #expect(early.text == errorBody("overloaded", "the model is loading"))
            #expect(try await server.request(.get, "/info").status == .serviceUnavailable)

            loadMayFinish.signal()
            try await waitUntil("loaded") { try await server.request(.get, "/health").status == .ok }
            #expect(try await server.post("late").text == #"{"text":"LATE","tokens":3}"#)
            #expect(pipeline.computedTexts == ["late"])
        }
    }

    @Test("a model that fails to load stops the application with the load error")
    func loadFailureStopsTheApplication() async throws {
        let app = buildApplication(
            configuration: ServerConfiguration(host: "localhost", port: 0), logger: quietLogger
        ) { () throws -> FakePipeline in
            throw PipelineError(.load, "no config.json in /models/missing")
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
        await #expect(throws: PipelineError(.load, "no config.json in /models/missing")) {
            try await group.run()
        }
    }
}
