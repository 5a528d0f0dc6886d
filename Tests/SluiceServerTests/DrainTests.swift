import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import SluiceServer
import Testing

@Suite("Graceful shutdown (what SIGTERM and SIGINT trigger)", .timeLimit(.minutes(2)))
struct DrainTests {
    /// `runService()` maps SIGTERM and SIGINT to exactly this graceful shutdown of the service
    /// group; a real signal is not sent here because the other tests' servers, running in this
    /// process, trap the same signals.
    @Test("draining refuses new requests with 503, answers every accepted one, then stops")
    func drainAnswersAcceptedRequests() async throws {
        let pipeline = FakePipeline()
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(
            configuration: ServerConfiguration(host: "localhost", port: 0), logger: quietLogger,
            onServerRunning: { portSink.yield($0) }
        ) { pipeline }
        let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var portIterator = ports.makeAsyncIterator()
            let server = TestServer(port: try #require(await portIterator.next()), pipeline: pipeline)
            try await waitUntil("ready") { (try? await server.request(.get, "/health"))?.status == .ok }

            pipeline.hold()
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            let running = Task { try await server.post("accepted one") }
            try await waitUntil("first batch") { pipeline.isComputing }
            let queued = Task { try await server.post("accepted two") }
            try await waitUntil("second queued") { try await queueDepth(server) == 1 }

            await group.triggerGracefulShutdown()
            try await waitUntil("draining") {
                try await server.request(.get, "/health").status == .serviceUnavailable
            }
            let refused = try await server.post("too late")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.text == errorBody("overloaded", "the server is shutting down"))
            let health = try await server.request(.get, "/health")
            #expect(
                health.text
                    == errorBody("overloaded", "the server is shutting down"))

            pipeline.release()
            #expect(try await running.value.text == #"{"text":"ACCEPTED ONE","tokens":4}"#)
            #expect(try await queued.value.text == #"{"text":"ACCEPTED TWO","tokens":4}"#)
            // The group ends without an error once the queue is empty and the server has stopped.
            try await tasks.next()
            #expect(pipeline.computedTexts == ["accepted one", "accepted two"])
            await #expect(throws: (any Error).self) { try await server.request(.get, "/health") }
        }
    }
}
