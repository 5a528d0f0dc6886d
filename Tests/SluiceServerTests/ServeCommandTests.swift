import Foundation
import HummingbirdTesting
import NIOCore
import SluiceJSON
import SluicePipelines
import Testing

/// The `sluice serve` executable, as an operator runs it: flags from the environment, start-up
/// logs, and a real SIGTERM that drains the server before it exits with status 0.
@Suite("sluice serve", .timeLimit(.minutes(3)))
struct ServeCommandTests {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/bert-tiny-uncased")

    /// The `sluice` product built beside this test bundle (`swift test` builds every product).
    static func binary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("sluice")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                try requireServeCommand(candidate)
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        Issue.record("the sluice executable is not built next to \(CommandLine.arguments[0])")
        throw CancellationError()
    }

    /// Fails with what to do when the executable has no `serve` subcommand.
    static func requireServeCommand(_ binary: URL) throws {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--help"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record(
                "\(binary.path) has no serve subcommand: register Serve.self in Sources/sluice/Sluice.swift (root AsyncParsableCommand)"
            )
            throw CancellationError()
        }
    }

    /// The port of the log's "listening on http://host:port" line.
    static func listeningPort(_ log: URL) -> Int? {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.contains("listening on http://") }
        return line?.split(separator: ":").last.flatMap { Int($0) }
    }

    @Test("SIGTERM drains: 503 for new requests, every accepted input answered, exit status 0")
    func sigtermDrainsThenExitsZero() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-serve-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--model", Self.fixture.path, "--port", "0"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLUICE_") }
        // Settings from the environment: one input per batch makes the drain last long enough
        // to watch.
        environment["SLUICE_MAX_BATCH_SIZE"] = "1"
        environment["SLUICE_MAX_INPUTS"] = "400"
        environment["SLUICE_THREADS"] = "1"
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        try await waitUntil("listening") { Self.listeningPort(log) != nil }
        let port = try #require(Self.listeningPort(log))
        let server = Endpoint(port: port)
        // The address answers (503) while the model loads, then /health turns 200.
        try await waitUntil("loaded") { try await server.get("/health").status == .ok }
        let startup = try String(contentsOf: log, encoding: .utf8)
        #expect(startup.contains("task=fill-mask"))
        #expect(startup.contains("from=\(Self.fixture.path)"))
        #expect(startup.contains("max_batch_size=1"))
        #expect(startup.contains("max_queue=1024"))
        let info = try JSONValue.parse(Data(try await server.get("/info").text.utf8))
        #expect(info["limits"]?["max_inputs"] == .int(400))

        let inputs = (0..<400).map { JSONValue.string("word \($0) [MASK]") }
        let body = JSONValue.object([
            ("inputs", .array(inputs)), ("parameters", .object([("top_k", .int(1))])),
        ])
        let accepted = Task { try await server.post(body.pythonJSON, contentType: "application/json") }
        try await waitUntil("inputs queued") {
            let metrics = try await server.get("/metrics").text
            return (metricValue(metrics, "sluice_queue_depth") ?? 0) > 100
        }
        kill(process.processIdentifier, SIGTERM)

        try await waitUntil("draining") { try await server.get("/health").status == .serviceUnavailable }
        let refused = try await server.post("test [MASK]", contentType: "text/plain")
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.text == errorBody("overloaded", "the server is shutting down"))

        let answer = try await accepted.value
        #expect(answer.status == .ok)
        guard case .array(let outputs) = try JSONValue.parse(Data(answer.text.utf8)) else {
            Issue.record("not a list: \(answer.text.prefix(200))")
            return
        }
        #expect(outputs.count == 400)
        try await waitUntil("exit") { !process.isRunning }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(try String(contentsOf: log, encoding: .utf8).contains("every accepted request was answered"))
    }

    #if os(Linux)
    /// Each thread of process `pid`: its name and nice value, from /proc.
    static func threadPriorities(_ pid: Int32) -> [(name: String, nice: Int)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { tid in
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // Fields after the name: state is field 3, nice field 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 16, let nice = Int(fields[16]) else { return nil }
            return (comm.trimmingCharacters(in: .whitespacesAndNewlines), nice)
        }
    }

    /// The inference thread and the compute pool it starts (named after it).
    static func computeThreads(_ pid: Int32) -> [(name: String, nice: Int)] {
        threadPriorities(pid).filter { $0.name == "sluice-infer" }
    }

    static func eventLoopThreads(_ pid: Int32) -> [(name: String, nice: Int)] {
        threadPriorities(pid).filter { $0.name.hasPrefix("NIO-") }
    }

    @Test("request threads run --request-nice levels below the compute threads")
    func requestThreadsRunBelowComputeThreads() async throws {
        for requestNice in [10, 0] {
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sluice-nice-\(UUID()).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: log) }
            let process = Process()
            process.executableURL = try Self.binary()
            process.arguments = [
                "serve", "--model", Self.fixture.path, "--port", "0", "--request-nice", "\(requestNice)",
            ]
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLUICE_") }
            process.standardError = try FileHandle(forWritingTo: log)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            try await waitUntil("listening") { Self.listeningPort(log) != nil }
            let server = Endpoint(port: try #require(Self.listeningPort(log)))
            try await waitUntil("loaded") { try await server.get("/health").status == .ok }
            #expect(try await server.post("test [MASK]", contentType: "text/plain").status == .ok)

            let pid = process.processIdentifier
            try await waitUntil("compute threads started") { !Self.computeThreads(pid).isEmpty }
            let base = try #require(Self.computeThreads(pid).first?.nice)
            if requestNice > 0 {
                try await waitUntil("event loops lowered") {
                    let loops = Self.eventLoopThreads(pid)
                    return !loops.isEmpty && loops.allSatisfy { $0.nice == min(19, base + requestNice) }
                }
            } else {
                // The one place that lowers threads has said it will not: an event, not a wait.
                try await waitUntil("priorities left alone") {
                    let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                    return text.contains("request threads keep the compute threads' priority")
                }
                #expect(Self.eventLoopThreads(pid).allSatisfy { $0.nice == base })
            }
            // The model's threads (the inference thread and the pool it started) keep their place.
            #expect(Self.computeThreads(pid).count >= min(2, ProcessInfo.processInfo.activeProcessorCount))
            #expect(Self.computeThreads(pid).allSatisfy { $0.nice == base })
            #expect(try await server.post("test [MASK]", contentType: "text/plain").status == .ok)
            process.terminate()
            try await waitUntil("exit") { !process.isRunning }
        }
    }
    #endif

    @Test("a bad setting in the environment is refused with its variable's name")
    func badEnvironmentSettingIsNamed() throws {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--model", Self.fixture.path]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLUICE_") }
        environment["SLUICE_MAX_QUEUE"] = "lots"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(output.contains(#"SLUICE_MAX_QUEUE="lots" is not a valid value for --max-queue"#))
    }
}

/// A server on a loopback port, one connection per request.
private struct Endpoint: Sendable {
    let port: Int

    func get(_ uri: String) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { try await $0.get(uri) }
    }

    func post(_ body: String, contentType: String) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port) {
            try await $0.post("/", headers: [.contentType: contentType], body: ByteBuffer(string: body))
        }
    }
}
