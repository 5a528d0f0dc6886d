import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import SluiceServer
import Testing

/// Clients that are slow, stalled, broken or hostile, driven byte by byte over real sockets
/// (`RawConnection`): each gets a clear JSON error or a closed connection, and the server goes
/// on serving everyone else. Order shows "served meanwhile"; no test measures time.
@Suite("Hostile and slow clients", .timeLimit(.minutes(3)))
struct HostileClientTests {
    /// A read timeout short enough that the stalled clients below are cut off quickly.
    static let shortRead = ServerConfiguration(readTimeout: .milliseconds(300))

    static let timedOut = errorBody("request_timeout", "the request did not arrive in time")

    @Test(
        "a request that stalls in its head or body is answered 408 and closed",
        arguments: [
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Le",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        ])
    func stalledRequest(_ sent: String) async throws {
        let metrics = ServerMetrics()
        try await withServer(configuration: Self.shortRead, metrics: metrics) { server in
            let slow = try RawConnection(port: server.port)
            try await slow.send(sent)
            let answers = await slow.responsesUntilClosed()
            #expect(answers.map(\.status) == [408])
            #expect(answers.first?.body == Self.timedOut)
            #expect(answers.first?.headers["connection"] == "close")
            #expect(metricValue(metrics.render(), "sluice_request_read_timeouts_total") == 1)
            #expect(try await server.post("after").text == #"{"text":"AFTER","tokens":3}"#)
        }
    }

    @Test(
        "a pipelined request that stalls in its head or body, sent in one write after a complete request, is answered 408 after that request's answer",
        arguments: [false, true],
        [
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Le", "P", "POST / HTTP/1.1\r\nHost: x\r\n",
        ])
    func stalledPipelinedRequest(holdFirst: Bool, second: String) async throws {
        let metrics = ServerMetrics()
        let pipeline = FakePipeline()
        try await withServer(pipeline, configuration: Self.shortRead, metrics: metrics) { server in
            if holdFirst { pipeline.hold() }
            defer { pipeline.release() }
            let client = try RawConnection(port: server.port)
            try await client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
                    + second)
            if holdFirst {
                // The second request times out while the first is still computing: its 408 waits.
                try await waitUntil("timed out") {
                    metricValue(metrics.render(), "sluice_request_read_timeouts_total") == 1
                }
                pipeline.release()
            }
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [200, 408])
            #expect(answers.first?.body == #"{"text":"HI","tokens":3}"#)
            #expect(answers.last?.body == Self.timedOut)
            #expect(metricValue(metrics.render(), "sluice_request_read_timeouts_total") == 1)
        }
    }

    @Test(
        "a request followed by line breaks in the same write is not taken for the start of another: the connection stays until the idle timeout",
        arguments: [
            "GET /health HTTP/1.1\r\nHost: x\r\n\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi\r\n",
        ])
    func trailingLineBreaks(_ sent: String) async throws {
        // The idle timeout, longer than the read timeout, closes the connection: a 408 would come first.
        let configuration = ServerConfiguration(
            readTimeout: .milliseconds(300), idleTimeout: .milliseconds(1500))
        let metrics = ServerMetrics()
        try await withServer(configuration: configuration, metrics: metrics) { server in
            let client = try RawConnection(port: server.port)
            try await client.send(sent)
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [200])
            #expect(metricValue(metrics.render(), "sluice_request_read_timeouts_total") == 0)
        }
    }

    @Test(
        "line breaks sent on their own after an answered request are not a request: no 408 before the idle timeout"
    )
    func lineBreaksAlone() async throws {
        let configuration = ServerConfiguration(
            readTimeout: .milliseconds(300), idleTimeout: .milliseconds(1500))
        let metrics = ServerMetrics()
        try await withServer(configuration: configuration, metrics: metrics) { server in
            let client = try RawConnection(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            try await waitUntil("answered") {
                metricValue(metrics.render(), "sluice_http_requests_total{status=\"200\"}") == 1
            }
            try await client.send("\r\n")
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [200])
            #expect(metricValue(metrics.render(), "sluice_request_read_timeouts_total") == 0)
        }
    }

    @Test(
        "Expect: 100-continue gets 100 Continue before the body is sent, after the answers to earlier requests"
    )
    func expectContinue() async throws {
        let pipeline = FakePipeline()
        try await withServer(pipeline) { server in
            let client = try RawConnection(port: server.port)
            let head =
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"
            // Alone: the 100 comes while the body is still unsent.
            try await client.send(head + "\r\n")
            let interim = await client.readUntil(containing: "\r\n\r\n")
            #expect(String(decoding: interim, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
            try await client.send("hi")
            let answered = await client.readUntil(containing: #""tokens":3}"#)
            #expect(RawResponse.parseAll(answered).map(\.body) == [#"{"text":"HI","tokens":3}"#])
            // Pipelined behind a request held in compute: its 100 follows that request's answer.
            pipeline.hold()
            defer { pipeline.release() }
            try await client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nho"
                    + head + "Connection: close\r\n\r\n")
            try await waitUntil("held") { pipeline.batches.count == 2 }
            pipeline.release()
            let first = await client.readUntil(containing: "100 Continue\r\n\r\n")
            try await client.send("hu")
            let answers = RawResponse.parseAll(first + (await client.readUntilClosed()))
            #expect(answers.map(\.status) == [200, 100, 200])
            #expect(answers.map(\.body) == [#"{"text":"HO","tokens":3}"#, "", #"{"text":"HU","tokens":3}"#])
        }
    }

    @Test(
        "HTTP/1.0: Expect: 100-continue is ignored (RFC 9110); without keep-alive the answer says close and the connection closes after it"
    )
    func http10Close() async throws {
        // Idle connections stay for an hour: only the answer's end can close this one.
        try await withServer(configuration: ServerConfiguration(idleTimeout: .seconds(3600))) { server in
            let client = try RawConnection(port: server.port)
            try await client.send(
                "POST / HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi"
            )
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [200])
            #expect(answers.first?.headers["connection"] == "close")
            #expect(answers.first?.body == #"{"text":"HI","tokens":3}"#)
        }
    }

    @Test(
        "HEAD is answered as GET without the body: the same status and Content-Length, then the next answer")
    func headRequests() async throws {
        try await withServer { server in
            let client = try RawConnection(port: server.port)
            try await client.send(
                "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            let text = String(decoding: await client.readUntilClosed(), as: UTF8.self)
            let parts = text.components(separatedBy: "\r\n\r\n")
            // HEAD's head, GET's head, GET's body: nothing between the first head and the second.
            #expect(parts.count == 3)
            #expect(parts.first?.hasPrefix("HTTP/1.1 200 OK") == true)
            #expect(parts.dropFirst().first?.hasPrefix("HTTP/1.1 200 OK") == true)
            let length = { (head: String) in
                head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            }
            #expect(length(parts[0]) != nil)
            #expect(length(parts[0]) == length(parts.dropFirst().first ?? ""))
            #expect(parts.last == #"{"status":"ok"}"#)
        }
    }

    @Test(
        "a compressed body (Content-Encoding gzip) is refused 415 naming the coding, not read as text; a charset there by mistake is served; the connection goes on"
    )
    func compressedBody() async throws {
        try await withServer { server in
            let client = try RawConnection(port: server.port)
            try await client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\u{1F}\u{0B}\u{08}\u{00}"
                    + "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Encoding: UTF-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
            )
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [415, 200])
            #expect(
                answers.first?.body
                    == errorBody(
                        "unsupported_media_type",
                        "the request body's Content-Encoding gzip is not supported: send it uncompressed"))
            #expect(answers.first?.headers["accept-encoding"] == "identity")
            #expect(answers.last?.body == #"{"text":"HI","tokens":3}"#)
        }
    }

    @Test("Expect: 100-continue on a body declared over --max-body-bytes gets its 413 and no 100")
    func expectContinueTooLarge() async throws {
        let configuration = ServerConfiguration(maxBodyBytes: 10, readTimeout: .seconds(3))
        try await withServer(configuration: configuration) { server in
            let client = try RawConnection(port: server.port)
            try await client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"
            )
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [413])
        }
    }

    @Test(
        "HTTP/1.0 with Connection: keep-alive is told keep-alive and its connection serves the next request")
    func http10KeepAlive() async throws {
        try await withServer { server in
            let client = try RawConnection(port: server.port)
            let request = "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            try await client.send(request)
            // The whole first answer (its JSON body ends the read), not only its head.
            let first = await client.readUntil(containing: "}")
            #expect(RawResponse.parseAll(first).first?.headers["connection"] == "keep-alive")
            try await client.send("GET /health HTTP/1.0\r\n\r\n")
            let rest = RawResponse.parseAll(await client.readUntilClosed())
            #expect(rest.map(\.status) == [200])
            #expect(rest.first?.headers["connection"] == "close")
        }
    }

    @Test("a stalled body whose answer has begun (413 on its declared length) is closed, not answered twice")
    func stalledAfterAnswer() async throws {
        try await withServer(configuration: Self.shortRead) { server in
            let slow = try RawConnection(port: server.port)
            try await slow.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc")
            let answers = await slow.responsesUntilClosed()
            #expect(answers.map(\.status) == [413])
        }
    }

    @Test("a connection idle past the idle timeout is closed without an answer")
    func idleConnections() async throws {
        try await withServer(configuration: ServerConfiguration(idleTimeout: .milliseconds(300))) { server in
            let silent = try RawConnection(port: server.port)
            #expect(await silent.readUntilClosed().isEmpty)

            let keptAlive = try RawConnection(port: server.port)
            try await keptAlive.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let answers = await keptAlive.responsesUntilClosed()
            #expect(answers.map(\.status) == [200])
        }
    }

    @Test("/health and inference answer while hundreds of half-sent requests hold connections")
    func halfSentRequests() async throws {
        try await withServer { server in
            var held: [RawConnection] = []
            defer { for connection in held { connection.close() } }
            for i in 0..<400 {
                let connection = try RawConnection(port: server.port)
                try await connection.send(
                    i.isMultiple(of: 2)
                        ? "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/pl"
                        : "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"inputs\": \"")
                held.append(connection)
            }
            #expect(try await server.request(.get, "/health").status == .ok)
            #expect(try await server.post("still served").text == #"{"text":"STILL SERVED","tokens":4}"#)
        }
    }

    @Test("beyond max-connections a request is refused 503 at once; probes and open connections are served")
    func connectionLimit() async throws {
        let metrics = ServerMetrics()
        let open: @Sendable () -> Double? = { metricValue(metrics.render(), "sluice_open_connections") }
        try await withBareServer(configuration: ServerConfiguration(maxConnections: 3), metrics: metrics) {
            server in
            try await waitUntil("no connection open") { open() == 0 }
            let held = try (0..<3).map { _ in try RawConnection(port: server.port) }
            defer { for connection in held { connection.close() } }
            try await waitUntil("three open") { open() == 3 }

            let refused = try RawConnection(port: server.port)
            try await refused.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
            let answers = await refused.responsesUntilClosed()
            #expect(answers.map(\.status) == [503])
            #expect(answers.first?.headers["retry-after"] == "1")
            #expect(
                answers.first?.body == errorBody("overloaded", "the server has too many open connections"))

            let probe = try RawConnection(port: server.port)
            try await probe.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(await probe.responsesUntilClosed().map(\.status) == [200])
            // The server half-closes after `Connection: close`; the client's close ends it.
            refused.close()
            probe.close()

            try await held[0].send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                    + "Connection: close\r\n\r\nhello")
            let kept = await held[0].responsesUntilClosed()
            #expect(kept.map(\.status) == [200])
            #expect(kept.first?.body == #"{"text":"HELLO","tokens":3}"#)
            #expect(metricValue(metrics.render(), "sluice_connections_refused_total") == 2)

            for connection in held { connection.close() }
            try await waitUntil("all closed") { open() == 0 }
            #expect(try await server.post("after").status == .ok)
        }
    }

    @Test(
        "a request the HTTP decoder cannot parse gets a JSON error and the connection closes",
        arguments: [
            (
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n",
                431
            ),
            ("\u{0}\u{1}\u{2} garbage\r\n\r\n", 400),
            ("FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("GET /\r\n\r\n", 400),
            ("GET /he\u{0}alth HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
            (
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400
            ),
            ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
        ])
    func unparsable(_ sent: String, _ status: Int) async throws {
        try await withServer { server in
            let client = try RawConnection(port: server.port)
            try await client.send(sent)
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [status])
            let kind = status == 431 ? "headers_too_large" : "bad_request"
            #expect(answers.first?.body.hasPrefix(#"{"error":""#) == true)
            #expect(answers.first?.body.hasSuffix(#"","error_type":"\#(kind)"}"#) == true)
        }
    }

    @Test("garbage after a complete request is answered after that request's answer, in order")
    func garbageAfterRequests() async throws {
        try await withServer { server in
            let client = try RawConnection(port: server.port)
            // Content-Length says 2 of the 5 bytes: the rest starts a request that cannot parse.
            try await client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhello")
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [200, 400])
            #expect(answers.first?.body == #"{"text":"HE","tokens":3}"#)
        }
    }

    @Test("a chunked body over the size limit is 413, however it is cut")
    func chunkedOverLimit() async throws {
        try await withServer(configuration: ServerConfiguration(maxBodyBytes: 1000)) { server in
            let client = try RawConnection(port: server.port)
            let chunk = "320\r\n" + String(repeating: "a", count: 800) + "\r\n"
            try await client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + chunk + chunk)
            let answers = await client.responsesUntilClosed()
            #expect(answers.map(\.status) == [413])
            #expect(
                answers.first?.body == errorBody("payload_too_large", "the request body is over 1000 bytes"))
        }
    }

    @Test(
        "hostile JSON bodies are 4xx JSON errors: deep nesting, huge numbers, long lists, trailing bytes",
        arguments: [
            (String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), 400),
            (#"{"inputs": "# + String(repeating: "9", count: 5000) + "}", 422),
            (#"{"inputs": ["# + Array(repeating: #""a""#, count: 10_000).joined(separator: ",") + "]}", 413),
            (#"{"inputs": "a"} trailing"#, 400),
            ("", 400),
        ])
    func hostileJSON(_ body: String, _ status: Int) async throws {
        try await withServer { server in
            let response = try await server.postJSON(body)
            #expect(Int(response.status.code) == status)
            #expect(response.text.hasPrefix(#"{"error":""#))
        }
    }
}

/// Runs `body` against a server around a `FakePipeline` run as `sluice serve` runs it, without
/// HummingbirdTesting's client (which keeps connections of its own open): every connection the
/// server sees is the test's.
func withBareServer(
    configuration: ServerConfiguration, metrics: ServerMetrics,
    _ body: @escaping @Sendable (TestServer) async throws -> Void
) async throws {
    var configuration = configuration
    configuration.port = 0
    let pipeline = FakePipeline()
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = buildApplication(
        configuration: configuration, metrics: metrics, logger: quietLogger,
        onServerRunning: { portSink.yield($0) }
    ) { pipeline }
    let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var portIterator = ports.makeAsyncIterator()
        let server = TestServer(port: try #require(await portIterator.next()), pipeline: pipeline)
        try await waitUntil("ready") { (try? await server.request(.get, "/health"))?.status == .ok }
        do {
            try await body(server)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
