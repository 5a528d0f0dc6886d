import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SluiceServer

/// A server built by `buildApplication` around a pipeline, listening on a loopback port, with
/// a client that opens one connection per request (so requests run concurrently, as from
/// separate clients).
struct TestServer: Sendable {
    let port: Int
    let pipeline: FakePipeline

    /// Sends one request on a fresh connection and returns the complete answer.
    func request(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil
    ) async throws -> TestClient.Response {
        try await send(method, uri, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// `POST /` with `body` and the given content type.
    func post(
        _ body: String, contentType: String = "text/plain", headers: HTTPFields = [:]
    ) async throws
        -> TestClient.Response
    {
        var headers = headers
        headers[.contentType] = contentType
        return try await request(.post, "/", headers: headers, body: body)
    }

    /// `POST /` with a JSON body.
    func postJSON(_ json: String, headers: HTTPFields = [:]) async throws -> TestClient.Response {
        try await post(json, contentType: "application/json", headers: headers)
    }

    func send(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: ByteBuffer? = nil
    ) async throws -> TestClient.Response {
        let request = TestClient.Request(
            uri, method: method, authority: "localhost", headers: headers, body: body)
        return try await TestClient.withClient(host: "localhost", port: port) { client in
            try await client.execute(request)
        }
    }
}

/// A logger that only reports what should never happen in a passing test.
let quietLogger: Logger = {
    var logger = Logger(label: "sluice-test")
    logger.logLevel = .critical
    return logger
}()

/// Runs `body` against a live server around `pipeline`, then shuts the server down.
func withServer<Value: Sendable>(
    _ pipeline: FakePipeline = FakePipeline(),
    configuration: ServerConfiguration = ServerConfiguration(),
    metrics: ServerMetrics = ServerMetrics(),
    _ body: @escaping @Sendable (TestServer) async throws -> Value
) async throws -> Value {
    let app = buildApplication(configuration: configuration, metrics: metrics, logger: quietLogger) {
        pipeline
    }
    return try await app.test(.live) { client in
        let server = TestServer(port: client.port!, pipeline: pipeline)
        // The inference service starts beside the server; wait for it, as a load balancer would.
        try await waitUntil { (try? await server.request(.get, "/health"))?.status == .ok }
        return try await body(server)
    }
}

/// Runs `body` with the port of a live server around the pipeline `load` gives (a real one, as
/// `sluice serve` loads it), once `/health` says the model is loaded; then shuts it down.
func withLiveServer<Pipeline: ServablePipeline>(
    modelID: String, _ load: @escaping @Sendable () throws -> Pipeline,
    _ body: @escaping @Sendable (_ port: Int) async throws -> Void
) async throws {
    let app = buildApplication(
        configuration: ServerConfiguration(modelID: modelID), logger: quietLogger, loadPipeline: load)
    try await app.test(.live) { client in
        let port = client.port!
        try await waitUntil {
            (try? await TestClient.withClient(host: "localhost", port: port) { try await $0.get("/health") })?
                .status == .ok
        }
        try await body(port)
    }
}

/// Polls `condition` every 10 ms until it holds; fails after `limit` (generous: the condition
/// is expected to hold quickly, and the limit only keeps a broken test from hanging).
func waitUntil(
    _ what: String = "condition", limit: Duration = .seconds(20),
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let end = clock.now + limit
    while clock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw WaitTimedOut(what: what)
}

struct WaitTimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

extension TestClient.Response {
    /// The body as UTF-8 text ("" when there is none).
    var text: String { body.map { String(buffer: $0) } ?? "" }
}

extension HTTPFields {
    /// `Authorization: Bearer <token>`.
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
}

/// The error body of DESIGN.md for `kind` and `message`.
func errorBody(_ kind: String, _ message: String) -> String {
    #"{"error":"\#(message)","error_type":"\#(kind)"}"#
}

/// The value of a metric line in Prometheus text (`name{labels} value`), or nil if absent. The
/// line may carry labels `series` does not name (each model's metrics carry `model`).
func metricValue(_ text: String, _ series: String) -> Double? {
    func split(_ series: Substring) -> (name: Substring, labels: Set<Substring>) {
        guard let brace = series.firstIndex(of: "{"), series.hasSuffix("}") else { return (series, []) }
        let labels = series[series.index(after: brace)..<series.index(before: series.endIndex)]
        return (series[..<brace], Set(labels.split(separator: ",")))
    }
    let wanted = split(Substring(series))
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        let found = split(line[..<space])
        if found.name == wanted.name && wanted.labels.isSubset(of: found.labels) {
            return Double(line[line.index(after: space)...])
        }
    }
    return nil
}
