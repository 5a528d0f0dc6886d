// libFuzzer targets (issue 16): the JSON reader, tokenizer.json loading plus encoding, encoding
// of arbitrary text by real tokenizers, the safetensors header, and the request bodies of every
// API dialect through the server's own router. `scripts/fuzz/run.sh` builds
// this target with `-sanitize=fuzzer,address` and `-D SLUICE_FUZZING`, where libFuzzer supplies
// `main` and calls `LLVMFuzzerTestOneInput`; the target is chosen by `SLUICE_FUZZ_TARGET`.
// A normal build gets a `main` that replays files through a target instead (crash reproducers,
// the committed seed corpora): `sluice-fuzz TARGET FILE...`.

import Foundation
import Hummingbird
import Logging
import NIOEmbedded
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceSafeTensors
import SluiceServer
import SluiceTensors
import SluiceTokenizers

/// The targets by name.
enum FuzzTarget: String, CaseIterable {
    /// `JSONValue.parse`, then writing the value back and reading that again: it must agree
    /// (unless a number overflowed to infinity, which Python's writer, and so ours, spells
    /// `Infinity`: not JSON, so not read back).
    case json
    /// Input: a tokenizer.json, a 0xFF byte, then a text; load it, then encode the text (and it
    /// as a pair with itself).
    case tokenizer
    /// Input: a byte choosing one of the fixtures' real tokenizers (WordPiece, byte-level BPE,
    /// SentencePiece Unigram), then arbitrary bytes as text (invalid UTF-8 repaired), encoded
    /// by it alone and as a pair with itself.
    case encode
    /// Input: a safetensors file image; validate its header.
    case safetensors
    /// Input: a route number, a flags byte, two bytes of a KServe binary header length, then a
    /// request body; sent through the server's router (three small models behind it, computing
    /// for real). An internal error (500) is a finding.
    case bodies

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .json:
            guard let value = try? JSONValue.parse(Data(bytes)), Self.allFinite(value) else { return }
            let written = value.pythonJSON
            guard let again = try? JSONValue.parse(Data(written.utf8)) else {
                fatalError("written JSON does not read back: \(written)")
            }
            if again.pythonJSON != written { fatalError("JSON changed on a second round: \(written)") }
        case .tokenizer:
            let split = bytes.firstIndex(of: 0xFF) ?? bytes.count
            guard let tokenizer = try? Tokenizer(json: Data(bytes[..<split])) else { return }
            let text = String(decoding: bytes[min(split + 1, bytes.count)...], as: UTF8.self)
            _ = try? tokenizer.encode(text)
            _ = try? tokenizer.encode(text, pair: text)
        case .encode:
            guard let choice = bytes.first else { return }
            let tokenizer = FuzzTarget.realTokenizers[Int(choice) % FuzzTarget.realTokenizers.count]
            let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
            for encoding in [try? tokenizer.encode(text), try? tokenizer.encode(text, pair: text)] {
                guard let encoding else { continue }
                if encoding.ids.count != encoding.offsets.count {
                    fatalError(
                        "an encoding has \(encoding.ids.count) ids and \(encoding.offsets.count) offsets")
                }
            }
        case .safetensors:
            _ = try? SafeTensorsFile.tensorNames(inFileImage: bytes)
        case .bodies:
            BodyFuzzer.shared.send(bytes)
        }
    }

    static func allFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): return number.isFinite
        case .array(let items): return items.allSatisfy(allFinite)
        case .object(let members): return members.allSatisfy { allFinite($0.value) }
        default: return true
        }
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/models")

    /// The fixtures' tokenizers, loaded once.
    static let realTokenizers: [Tokenizer] = {
        let models = fixtures
        return ["bert-tiny-uncased", "tasks/fill-mask-roberta", "tasks/fill-mask-xlm-roberta"].compactMap {
            try? Tokenizer(
                contentsOf: models.appendingPathComponent($0).appendingPathComponent("tokenizer.json"))
        }
    }()

    /// The target `SLUICE_FUZZ_TARGET` names.
    static let chosen: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["SLUICE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError(
                "set SLUICE_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if target == .encode, realTokenizers.count != 3 {
            fatalError("the fixtures' tokenizers did not load")
        }
        return target
    }()
}

/// The server's application with its models running, and its router called directly, one input
/// one request, answered before the next. (HummingbirdTesting's router client makes a channel per
/// request and never frees it, which leaks; this calls the responder the same way with one
/// channel for all requests, so leak checks stay on.)
final class BodyFuzzer: @unchecked Sendable {
    static let shared = BodyFuzzer()

    static let routes = [
        "/", "/models/emb", "/models/mask", "/models/cls", "/embed", "/embed_all", "/embed_sparse",
        "/predict",
        "/rerank", "/similarity", "/tokenize", "/decode", "/v1/embeddings", "/v1/rerank", "/v2/rerank",
        "/v2/models/emb/infer", "/v2/models/mask/infer", "/v2/models/cls/infer", "/v1/models/emb:predict",
        "/models/cls/rerank", "/models/mask/embed_sparse",
    ]

    private struct Job: @unchecked Sendable {  // `status` is written once, before `done` signals
        var path: String
        var headers: HTTPFields
        var body: ByteBuffer
        var done: DispatchSemaphore
        var status: UnsafeMutablePointer<Int>
    }

    /// Collects a response's body.
    private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {  // one task uses it
        var body = ByteBuffer()
        func write(_ buffer: ByteBuffer) async throws { body.writeImmutableBuffer(buffer) }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    private let jobs: AsyncStream<Job>.Continuation

    private init() {
        let (stream, jobs) = AsyncStream.makeStream(of: Job.self)
        self.jobs = jobs
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        // Small vocabularies (2,606, 468, 468 tokens): the masked-LM model's answers (fill-mask,
        // and sparse embeddings, a value per vocabulary entry) cost a 30,522-token vocabulary's
        // work and JSON otherwise, a third of the run's time, for no more of the decoders' paths.
        let folders = [
            ("emb", "tasks/sentence-embeddings-roberta-mean-normalize"),
            ("mask", "tasks/fill-mask-distilbert"),
            ("cls", "tasks/text-classification-mpnet-one-label"),
        ]
        let models = folders.map { name, folder in
            ServedModel(name: name, modelID: folder) {
                try Pipeline(
                    folder: try ModelFolder(path: FuzzTarget.fixtures.appendingPathComponent(folder).path),
                    runtime: ComputeRuntime(threads: 1))
            }
        }
        let app = buildApplication(configuration: ServerConfiguration(), logger: logger, models: models)
        let ready = DispatchSemaphore(value: 0)
        Task.detached { try await Self.serve(app, jobs: stream, logger: logger, ready: ready) }
        ready.wait()
    }

    /// Runs the application's services, then answers each job through its responder.
    private static func serve<App: ApplicationProtocol>(
        _ app: App, jobs: AsyncStream<Job>, logger: Logger, ready: DispatchSemaphore
    ) async throws {
        for service in app.services {
            Task.detached { try await service.run() }
        }
        let responder = try await app.responder
        let channel = NIOAsyncTestingChannel()
        // As the HTTP server does: an error the routes throw is answered with its status, and
        // anything else is a 500.
        func send(
            _ method: HTTPRequest.Method, _ path: String, _ headers: HTTPFields, _ body: ByteBuffer
        ) async throws -> (status: HTTPResponse.Status, body: ByteBuffer) {
            var headers = headers
            headers[.contentLength] = String(body.readableBytes)
            let request = Request(
                head: .init(
                    method: method, scheme: "http", authority: "localhost", path: path, headerFields: headers),
                body: RequestBody(buffer: body))
            let context = App.Responder.Context(source: .init(channel: channel, logger: logger))
            do {
                let response = try await responder.respond(to: request, context: context)
                let collector = BodyCollector()
                try await response.body.write(collector)
                return (response.status, collector.body)
            } catch let error as any HTTPResponseError {
                return (error.status, ByteBuffer(string: "\(error)"))
            } catch {
                return (.internalServerError, ByteBuffer(string: "\(error)"))
            }
        }
        while try await send(.get, "/health", [:], ByteBuffer()).status != .ok {
            try await Task.sleep(for: .milliseconds(10))
        }
        ready.signal()
        for await job in jobs {
            let response = try await send(.post, job.path, job.headers, job.body)
            if response.status == .internalServerError {
                fatalError("500 from \(job.path): \(String(buffer: response.body))")
            }
            job.status.pointee = response.status.code
            job.done.signal()
        }
    }

    /// Sends one request; returns its status (0 for an input too short to be one).
    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count >= 4 else { return 0 }
        let flags = bytes[1]
        var headers: HTTPFields = [.contentType: flags & 1 == 0 ? "application/json" : "text/plain"]
        let body = bytes[4...]
        if flags & 2 != 0 {
            let length = (Int(bytes[2]) | Int(bytes[3]) << 8) % (body.count + 8)
            headers[.init("Inference-Header-Content-Length")!] = String(length)
        }
        let done = DispatchSemaphore(value: 0)
        let status = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { status.deallocate() }
        jobs.yield(
            Job(
                path: Self.routes[Int(bytes[0]) % Self.routes.count], headers: headers,
                body: ByteBuffer(bytes: body), done: done, status: status))
        done.wait()
        return status.pointee
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.chosen.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

#if SLUICE_FUZZING
/// libFuzzer's driver (libFuzzer's own `main` calls it too).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The executable's entry point (SwiftPM names an executable module's `main` this way): hands
/// the command line to libFuzzer.
@_cdecl("sluice_fuzz_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}
#else
@main
enum Replay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            print("usage: sluice-fuzz \(names) FILE...")
            return
        }
        for path in arguments.dropFirst() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            if target == .bodies {
                print(path, data.withUnsafeBytes { BodyFuzzer.shared.send($0) })
            } else {
                data.withUnsafeBytes { target.run($0) }
            }
        }
        print("replayed \(arguments.count - 1) files through \(name)")
    }
}
#endif
