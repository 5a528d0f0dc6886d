import Hummingbird
import HummingbirdTesting
import SluiceScheduler
import SluiceServer
import Testing

@Suite("Overload, deadlines and disconnects over HTTP", .timeLimit(.minutes(2)))
struct OverloadTests {
    @Test("a flood beyond max-queue gets 503 with Retry-After; accepted requests succeed")
    func floodBeyondMaxQueue() async throws {
        let pipeline = FakePipeline()
        let configuration = ServerConfiguration(
            scheduler: SchedulerConfiguration(maxBatchSize: 2, maxQueue: 3))
        try await withServer(pipeline, configuration: configuration) { server in
            pipeline.hold()
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            let running = Task { try await server.post("job 0") }
            try await waitUntil("first batch") { pipeline.isComputing }
            // Fill the queue, then flood: admission is decided at once, so every extra request
            // is refused while the batch is still held.
            var accepted: [Task<TestClient.Response, any Error>] = []
            for i in 1...3 {
                accepted.append(Task { try await server.post("job \(i)") })
                try await waitUntil("job \(i) queued") { try await queueDepth(server) == i }
            }
            let refused = try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
                for i in 4..<20 { group.addTask { try await server.post("job \(i)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(pipeline.isComputing)
            #expect(refused.count == 16)
            for response in refused {
                #expect(response.status == .serviceUnavailable)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                #expect(
                    response.text == errorBody("overloaded", "the server is overloaded: the queue is full"))
            }

            pipeline.release()
            #expect(try await running.value.text == #"{"text":"JOB 0","tokens":4}"#)
            for (offset, task) in accepted.enumerated() {
                let response = try await task.value
                #expect(response.status == .ok)
                #expect(response.text == #"{"text":"JOB \#(offset + 1)","tokens":4}"#)
            }
            #expect(Set(pipeline.computedTexts) == ["job 0", "job 1", "job 2", "job 3"])
            let metrics = try await server.request(.get, "/metrics").text
            #expect(metricValue(metrics, #"sluice_rejected_total{reason="overloaded"}"#) == 16)
            #expect(metricValue(metrics, #"sluice_http_requests_total{route="/",status="503"}"#) == 16)
        }
    }

    @Test("overloaded, a request is refused before its inputs are prepared")
    func overloadedRequestIsRefusedBeforePreparing() async throws {
        let pipeline = FakePipeline()
        let configuration = ServerConfiguration(scheduler: SchedulerConfiguration(maxQueue: 1))
        try await withServer(pipeline, configuration: configuration) { server in
            pipeline.hold()
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            let running = Task { try await server.post("job 0") }
            try await waitUntil("first batch") { pipeline.isComputing }
            let queued = Task { try await server.post("job 1") }
            try await waitUntil("job 1 queued") { try await queueDepth(server) == 1 }
            // Preparing this input would fail validation (422): refused first, it is a 503.
            let refused = try await server.post("reject me")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.text == errorBody("overloaded", "the server is overloaded: the queue is full"))
            pipeline.release()
            #expect(try await running.value.status == .ok)
            #expect(try await queued.value.status == .ok)
            #expect(try await server.post("reject me").status == .unprocessableContent)
        }
    }

    @Test("a request whose deadline passes while queued gets 504 and is never computed")
    func queuedRequestTimesOut() async throws {
        let pipeline = FakePipeline()
        let clock = ManualClock()
        let configuration = ServerConfiguration(
            scheduler: SchedulerConfiguration(requestTimeout: .seconds(30)), clock: clock)
        try await withServer(pipeline, configuration: configuration) { server in
            pipeline.hold()
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            let running = Task { try await server.post("slow batch") }
            try await waitUntil("first batch") { pipeline.isComputing }
            let late = Task { try await server.post("too late") }
            try await waitUntil("queued") { try await queueDepth(server) == 1 }
            clock.advance(by: .seconds(30))
            // Answered at its deadline while the first batch is still held.
            let answer = try await late.value
            #expect(pipeline.isComputing)
            #expect(answer.status == .gatewayTimeout)
            #expect(answer.text == errorBody("timeout", "the request timed out before its result was ready"))
            pipeline.release()
            _ = try await running.value
            #expect(!pipeline.computedTexts.contains("too late"))
            let metrics = try await server.request(.get, "/metrics").text
            #expect(metricValue(metrics, "sluice_timeouts_total") == 1)
        }
    }

    @Test("a client that disconnects while queued has its job dropped, not computed")
    func disconnectedClientIsNotComputed() async throws {
        let pipeline = FakePipeline()
        try await withServer(pipeline) { server in
            pipeline.hold()
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            let running = Task { try await server.post("busy") }
            try await waitUntil("first batch") { pipeline.isComputing }

            let client = TestClient(host: "localhost", port: server.port)
            client.connect()
            try await client.executeAndDontWaitForResponse(
                .init(
                    "/", method: .post, headers: [.contentType: "text/plain"],
                    body: ByteBuffer(string: "gone")))
            try await waitUntil("job queued") { try await queueDepth(server) == 1 }
            try await client.shutdown()
            try await waitUntil("job cancelled") { try await queueDepth(server) == 0 }

            pipeline.release()
            #expect(try await running.value.status == .ok)
            // A request sent after the release is computed alone: the cancelled one is gone.
            #expect(try await server.post("after").status == .ok)
            #expect(pipeline.batches == [["busy"], ["after"]])
            let metrics = try await server.request(.get, "/metrics").text
            #expect(metricValue(metrics, "sluice_cancelled_total") == 1)
        }
    }

    @Test("keep-alive connections carry several requests")
    func keepAliveConnectionsServeSeveralRequests() async throws {
        try await withServer { server in
            try await TestClient.withClient(host: "localhost", port: server.port) { client in
                for i in 0..<3 {
                    let response = try await client.post(
                        "/", headers: [.contentType: "text/plain"], body: ByteBuffer(string: "n\(i)"))
                    #expect(response.status == .ok)
                }
            }
        }
    }
}
