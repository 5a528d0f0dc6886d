import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SluiceJSON
import SluiceScheduler
import SluiceServer
import Testing

@Suite("GET /health, /info, /metrics and the API key", .timeLimit(.minutes(2)))
struct OperationsTests {
    @Test("/health answers while a batch is held, and the batch is released only after it answered")
    func healthAnswersDuringAHeldBatch() async throws {
        let pipeline = FakePipeline()
        try await withServer(pipeline) { server in
            pipeline.hold(busy: true)
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            let running = Task { try await server.post("slow") }
            try await waitUntil("batch running") { pipeline.isComputing }
            // Shown by order, not by time: every answer below comes while the batch is provably
            // still held (it is released only after the last one), so none waited on the model.
            try await TestClient.withClient(host: "localhost", port: server.port) { client in
                for _ in 0..<9 {
                    let health = try await client.get("/health")
                    #expect(health.status == .ok)
                    #expect(health.text == #"{"status":"ok"}"#)
                    #expect(pipeline.isComputing)
                }
            }
            pipeline.release()
            #expect(try await running.value.status == .ok)
        }
    }

    @Test("/info gives TEI's fields, then the model, tasks, architecture, weight format and limits")
    func infoDescribesTheServer() async throws {
        let configuration = ServerConfiguration(
            scheduler: SchedulerConfiguration(
                maxBatchSize: 8, maxBatchTokens: 1000, maxBatchWait: .milliseconds(2),
                maxRefillWait: .milliseconds(7), maxQueue: 50,
                requestTimeout: .seconds(3)),
            maxBodyBytes: 4096, maxInputs: 16, modelID: "models/fake")
        try await withServer(configuration: configuration) { server in
            let info = try await server.request(.get, "/info")
            #expect(info.status == .ok)
            // TEI's fields first, then Sluice's.
            let workers = ProcessInfo.processInfo.activeProcessorCount
            #expect(
                info.text
                    == #"{"model_id":"models/fake","model_sha":null,"model_dtype":"float32","#
                    + #""served_model_name":"models/fake","model_type":{"embedding":{"pooling":"none"}},"#
                    + #""max_concurrent_requests":50,"max_input_length":64,"max_batch_tokens":1000,"#
                    + #""max_batch_requests":8,"max_client_batch_size":16,"auto_truncate":true,"#
                    + #""tokenization_workers":\#(workers),"version":"0.1.0","#
                    + #""task":"fake-task","tasks":["fake-task"],"architecture":"FakeForTesting","weights":"f32","#
                    + #""max_input_tokens":64,"#
                    + #""limits":{"max_batch_size":8,"max_batch_tokens":1000,"max_batch_wait_ms":2,"max_refill_wait_ms":7,"#
                    + #""max_queue":50,"request_timeout_ms":3000,"max_body_bytes":4096,"max_inputs":16},"#
                    + #""models":["models/fake"]}"#)
        }
    }

    @Test("/openapi.json describes every dialect's routes; /docs draws it without fetching anything else")
    func openAPIDocument() async throws {
        try await withServer { server in
            let document = try JSONValue.parse(
                Data(try await server.request(.get, "/openapi.json").text.utf8))
            let paths = Set(document["paths"]?.objectMembers?.map(\.key) ?? [])
            for path in [
                "/", "/health", "/info", "/metrics", "/embed", "/rerank", "/tokenize", "/v1/embeddings",
                "/v1/models/{name}", "/v1/rerank", "/v2/models/{name}/infer", "/v1/models/{name}:predict",
            ] {
                #expect(paths.contains(path), "\(path)")
            }
            // Every documented route is served: none of them is the router's 404.
            for path in paths where !path.contains("{") {
                let method: HTTPRequest.Method = document["paths"]?[path]?["get"] != nil ? .get : .post
                let response = try await server.request(
                    method, path, headers: [.contentType: "application/json"], body: "{}")
                #expect(response.status != .notFound && response.status != .methodNotAllowed, "\(path)")
            }
            let page = try await server.request(.get, "/docs")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("fetch(\"/openapi.json\")") && !page.text.contains("https://"))
        }
    }

    @Test("GET / is the playground for a browser and KServe v1's liveness for any other client")
    func playgroundOrLiveness() async throws {
        try await withServer { server in
            let page = try await server.request(
                .get, "/", headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("Sluice playground") && !page.text.contains("https://"))
            #expect(try await server.request(.get, "/").text == #"{"status":"alive"}"#)
            let answer = try await server.post("a b")
            #expect(answer.headers[HTTPField.Name("Server-Timing")!]?.contains("inference;dur=") == true)
        }
    }

    @Test("/metrics shows HTTP counts and the scheduler's histograms in Prometheus text")
    func metricsInPrometheusText() async throws {
        try await withServer { server in
            _ = try await server.post("one two")
            _ = try await server.post("")
            let response = try await server.request(.get, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(metricValue(text, #"sluice_http_requests_total{route="/",status="200"}"#) == 1)
            #expect(metricValue(text, #"sluice_http_requests_total{route="/",status="422"}"#) == 1)
            #expect(metricValue(text, "sluice_batch_size_count") == 1)
            #expect(metricValue(text, #"sluice_batch_tokens_bucket{le="16.0"}"#) == 1)
            #expect(metricValue(text, "sluice_compute_seconds_count") == 1)
            #expect(metricValue(text, "sluice_queue_wait_seconds_count") == 1)
            #expect(text.contains("# TYPE sluice_queue_depth gauge"))
        }
    }

    @Test("--api-key: 401 without the right bearer token, /health stays open")
    func apiKeyGuardsEveryRouteButHealth() async throws {
        try await withServer(configuration: ServerConfiguration(apiKey: "s3cret")) { server in
            let missing = try await server.post("hi")
            #expect(missing.status == .unauthorized)
            #expect(
                missing.text
                    == errorBody("unauthorized", "missing bearer token (Authorization: Bearer <key>)"))
            let wrong = try await server.post("hi", headers: .bearer("s3cre"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text == errorBody("unauthorized", "wrong bearer token"))
            #expect(try await server.request(.get, "/info").status == .unauthorized)
            #expect(try await server.request(.get, "/metrics").status == .unauthorized)

            #expect(try await server.post("hi", headers: .bearer("s3cret")).status == .ok)
            #expect(try await server.request(.get, "/info", headers: .bearer("s3cret")).status == .ok)
            #expect(try await server.request(.get, "/health").status == .ok)
            #expect(server.pipeline.computedTexts == ["hi"])
        }
    }

    @Test(
        "--cors-allow-origin: a listed origin's preflight is answered without a key, its answers (errors too) say the origin; others get no CORS headers"
    )
    func cors() async throws {
        let configuration = ServerConfiguration(apiKey: "k", corsAllowOrigins: ["http://localhost:3000"])
        try await withServer(configuration: configuration) { server in
            let preflight = try await server.request(
                .options, "/v1/embeddings",
                headers: [
                    .origin: "http://localhost:3000", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "content-type, authorization, x-stainless-os",
                ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            #expect(preflight.headers[.accessControlAllowMethods] == "GET, HEAD, POST, OPTIONS")
            #expect(
                preflight.headers[.accessControlAllowHeaders] == "content-type, authorization, x-stainless-os"
            )
            var allowed: HTTPFields = .bearer("k")
            allowed[.origin] = "http://localhost:3000"
            let answer = try await server.post("hi", headers: allowed)
            #expect(answer.status == .ok)
            #expect(answer.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            #expect(answer.headers[.accessControlExposeHeaders]?.contains("x-compute-time") == true)
            #expect(answer.headers[.vary] == "Origin")
            let refused = try await server.post("hi", headers: [.origin: "http://localhost:3000"])
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            var other: HTTPFields = .bearer("k")
            other[.origin] = "http://elsewhere.example"
            #expect(try await server.post("hi", headers: other).headers[.accessControlAllowOrigin] == nil)
            let otherPreflight = try await server.request(
                .options, "/",
                headers: [.origin: "http://elsewhere.example", .accessControlRequestMethod: "POST"])
            // Not a preflight here: the API key refuses it, with no CORS headers.
            #expect(otherPreflight.status == .unauthorized)
            #expect(otherPreflight.headers[.accessControlAllowOrigin] == nil)
        }
        try await withServer { server in
            let answer = try await server.post("hi", headers: [.origin: "http://localhost:3000"])
            #expect(answer.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
