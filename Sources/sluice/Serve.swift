import ArgumentParser
import Foundation
import Logging
import SluiceModels
import SluicePipelines
import SluiceScheduler
import SluiceServer
import SluiceTensors

/// `sluice serve`: loads the model once and serves it over HTTP until SIGTERM or SIGINT, which
/// drain it (new requests get 503, accepted ones are answered) before it exits with status 0.
///
/// Every option can also come from the environment as `SLUICE_<OPTION>` (`--max-batch-size` is
/// `SLUICE_MAX_BATCH_SIZE`); the command line wins.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the model over HTTP, with dynamic batching on one inference thread.",
        discussion: """
            Routes: POST / (raw text, or {"inputs": ..., "parameters": {...}}), GET /health, \
            GET /info, GET /metrics. Errors are JSON {"error", "error_type"}. Every option can also \
            be set as SLUICE_<OPTION> in the environment (e.g. SLUICE_MAX_BATCH_SIZE=16); the \
            command line wins.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: ArgumentHelp("Address to listen on (default 127.0.0.1).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("TCP port (default 8000).", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("Most requests in one batch (default 32).", valueName: "n"))
    var maxBatchSize: Int?

    @Option(
        help: ArgumentHelp(
            "Most real tokens in one batch; a longer single request runs alone (default 16384).",
            valueName: "n"))
    var maxBatchTokens: Int?

    @Option(
        help: ArgumentHelp(
            "How long a batch that is not full waits for more, from its oldest request (default 0).",
            valueName: "ms"))
    var maxBatchWaitMs: Int?

    @Option(
        help: ArgumentHelp(
            "After a batch, how long a smaller one may wait for as many requests as it held; "
                + "at most half that batch's compute time, 0 turns it off (default 20).",
            valueName: "ms"))
    var maxRefillWaitMs: Int?

    @Option(
        help: ArgumentHelp(
            "Most inputs waiting (each item of a list request counts); beyond it requests get 503 with Retry-After (default 1024).",
            valueName: "n"))
    var maxQueue: Int?

    @Option(
        help: ArgumentHelp(
            "Deadline of a request from its arrival; past it the answer is 504 (default 30000).",
            valueName: "ms"))
    var requestTimeoutMs: Int?

    @Option(
        help: ArgumentHelp(
            "Require Authorization: Bearer <key> on every route but /health.", valueName: "key"))
    var apiKey: String?

    @Option(
        help: ArgumentHelp(
            "The name clients give the model (OpenAI's model field, /v1/models; default: the hub id, or the folder's name).",
            valueName: "name"))
    var servedModelName: String?

    @Option(help: ArgumentHelp("Compute threads for the model (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "Largest request body in bytes; above it the answer is 413 (default 1048576).", valueName: "bytes"
        ))
    var maxBodyBytes: Int?

    @Option(
        help: ArgumentHelp(
            "Most inputs in one request's \"inputs\" list; above it the answer is 413 (default 256).",
            valueName: "n"))
    var maxInputs: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds a client may take to send a whole request, from its first byte; then 408 and the "
                + "connection closes (default 30).", valueName: "seconds"))
    var readTimeoutS: Double?

    @Option(
        help: ArgumentHelp(
            "Seconds a connection may sit with no request before it is closed (default 90).",
            valueName: "seconds"))
    var idleTimeoutS: Double?

    @Option(
        help: ArgumentHelp(
            "Most open connections; requests on a connection beyond it are answered 503 and it "
                + "closes, health probes excepted (default 4096).", valueName: "n"))
    var maxConnections: Int?

    @Flag(help: "Let 500 answers say what failed inside (off: internals stay in the log).")
    var verboseErrors = false

    @Option(
        help: ArgumentHelp(
            "A browser origin whose pages may call the server (CORS), e.g. https://app.example.com, or * "
                + "for any; repeatable (also SLUICE_CORS_ALLOW_ORIGIN, comma-separated; default: none).",
            valueName: "origin"))
    var corsAllowOrigin: [String] = []

    @Option(
        help: ArgumentHelp(
            "Run request handling this many nice levels below the model's compute threads, so that "
                + "under overload the model keeps the cores; 0 leaves priorities alone (default 10; Linux).",
            valueName: "n"))
    var requestNice: Int?

    @Option(
        help: ArgumentHelp(
            "Log level: trace, debug, info, notice, warning, error or critical (default info).",
            valueName: "level"))
    var logLevel: String?

    func run() async throws {
        let environment = EnvironmentSettings(ProcessInfo.processInfo.environment)
        let level = try environment.setting(logLevel, "log-level", default: "info")
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("unknown log level \"\(level)\"")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "sluice")
        var configuration = try serverConfiguration(environment)
        let threads =
            try environment.setting(threads, "threads") ?? ProcessInfo.processInfo.activeProcessorCount
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        // The one runtime of this process: the model computes on it, and the server keeps its
        // threads ahead of request handling through it.
        let runtime = ComputeRuntime(threads: threads)
        let simd = try modelOptions.applySIMD()
        configuration.computePriorities = ComputePriorities(
            registerComputeThread: { runtime.registerComputeThread() },
            lowerOtherThreads: { runtime.lowerOtherThreads(by: $0) })

        // Mistakes in --model and --task fail here, before the port opens; the load itself
        // happens while the server answers 503.
        guard !modelOptions.model.isEmpty else {
            throw ValidationError("--model is required (or SLUICE_MODEL)")
        }
        let tasks = try modelOptions.tasks()
        let sources = try modelOptions.sources()
        var names = Set<String>()
        for (index, (named, _, source)) in sources.enumerated() {
            if case .folder(let path) = source {
                do { _ = try ModelFolder(path: path) } catch { fail("\(error)") }
            }
            // The first model's name may come from --served-model-name too.
            let name = named ?? (index == 0 ? configuration.servedModelName : nil) ?? source.defaultServedName
            if !names.insert(name).inserted {
                fail("two models are named \(name): give each its own name (--model name=folder)")
            }
        }
        for case let name? in tasks.keys where !names.contains(name) {
            let served = names.sorted().joined(separator: ", ")
            throw ValidationError("--task \(name)=…: no model is named \(name) (served: \(served))")
        }
        let modelOptions = modelOptions
        let limits = configuration.scheduler
        logger.info(
            "limits",
            metadata: [
                "max_batch_size": "\(limits.maxBatchSize)", "max_batch_tokens": "\(limits.maxBatchTokens)",
                "max_batch_wait_ms": "\(Int(limits.maxBatchWait / .milliseconds(1)))",
                "max_refill_wait_ms": "\(Int(limits.maxRefillWait / .milliseconds(1)))",
                "max_queue": "\(limits.maxQueue)",
                "request_timeout_ms": "\(Int(limits.requestTimeout / .milliseconds(1)))",
                "max_body_bytes": "\(configuration.maxBodyBytes)",
                "max_inputs": "\(configuration.effectiveMaxInputs)", "threads": "\(runtime.threads)",
                "api_key": "\(configuration.apiKey == nil ? "off" : "on")",
                "request_nice": "\(configuration.requestNice)",
                "read_timeout_s": "\(configuration.readTimeout)",
                "idle_timeout_s": "\(configuration.idleTimeout)",
                "max_connections": "\(configuration.maxConnections)",
                "cors_allow_origin":
                    "\(configuration.corsAllowOrigins.isEmpty ? "none" : configuration.corsAllowOrigins.joined(separator: ","))",
                "simd": "\(simd)", "blas": "\(BLASKernels.coreName)",
            ])

        let descriptors = Self.raiseDescriptorLimit()
        if descriptors < UInt64(configuration.maxConnections) + 64 {
            logger.warning(
                "the open-file limit is below --max-connections: connections beyond it fail at accept",
                metadata: [
                    "open_file_limit": "\(descriptors)", "max_connections": "\(configuration.maxConnections)",
                ])
        }

        let metrics = ServerMetrics()
        metrics.bootstrapGlobally()
        let host = configuration.host
        let models = sources.enumerated().map { index, given -> ServedModel<Pipeline> in
            let (named, model, source) = given
            let name = named ?? (index == 0 ? configuration.servedModelName : nil) ?? source.defaultServedName
            return ServedModel(name: name, modelID: model, revision: source.revision) { cancellation in
                // On the model's loading thread: its routes answer 503 until this returns.
                logger.info("loading model", metadata: ["model": "\(name)", "from": "\(model)"])
                let clock = ContinuousClock()
                let start = clock.now
                // A hub id is fetched into the cache here, while /health answers 503 "loading".
                // A shutdown meanwhile stops the download.
                let folder = try source.folderWaiting(
                    token: modelOptions.hfToken, logger: logger, cancellation: cancellation)
                if cancellation.isCancelled { throw CancellationError() }
                let pipeline = try modelOptions.loadPipeline(folder: folder, name: name, runtime: runtime)
                logger.info(
                    "model loaded",
                    metadata: [
                        "model": "\(name)", "task": "\(pipeline.taskName)",
                        "architecture": "\(pipeline.architecture ?? "none")",
                        "max_input_tokens": "\(pipeline.maxInputTokens)",
                        "load_ms": "\(Int((clock.now - start) / .milliseconds(1)))",
                    ])
                return pipeline
            }
        }
        let app = buildApplication(
            configuration: configuration, metrics: metrics, logger: logger,
            onServerRunning: { port in logger.info("listening on http://\(host):\(port)") }, models: models)
        try await app.runService()
        logger.info("stopped")
    }

    /// Raises this process's soft open-file limit to its hard limit (a connection is a file
    /// descriptor; many systems start processes at 1024) and returns the limit in force.
    private static func raiseDescriptorLimit() -> UInt64 {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return .max }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return UInt64(limit.rlim_cur)
    }

    /// A duration flag's value, which must be a number of seconds above 0 and at most a day.
    private static func seconds(_ value: Double, flag: String) throws -> Duration {
        guard value.isFinite, value > 0, value <= 86_400 else {
            throw ValidationError("--\(flag) must be more than 0 and at most 86400")
        }
        return .milliseconds(Int64((value * 1000).rounded(.up)))
    }

    /// `--cors-allow-origin` values as browsers send `Origin`: split at commas, trimmed, without
    /// a trailing `/`.
    static func origins(_ given: [String]) -> [String] {
        given.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            .filter { !$0.isEmpty }
    }

    private func serverConfiguration(_ environment: EnvironmentSettings) throws -> ServerConfiguration {
        let defaults = ServerConfiguration()
        let scheduler = SchedulerConfiguration(
            maxBatchSize: try environment.setting(
                maxBatchSize, "max-batch-size", default: defaults.scheduler.maxBatchSize),
            maxBatchTokens: try environment.setting(
                maxBatchTokens, "max-batch-tokens", default: defaults.scheduler.maxBatchTokens),
            maxBatchWait: .milliseconds(
                try environment.setting(maxBatchWaitMs, "max-batch-wait-ms", default: 0)),
            maxRefillWait: .milliseconds(
                try environment.setting(maxRefillWaitMs, "max-refill-wait-ms", default: 20)),
            maxQueue: try environment.setting(maxQueue, "max-queue", default: defaults.scheduler.maxQueue),
            requestTimeout: .milliseconds(
                try environment.setting(requestTimeoutMs, "request-timeout-ms", default: 30_000))
        )
        let configuration = ServerConfiguration(
            host: try environment.setting(host, "host", default: defaults.host),
            port: try environment.setting(port, "port", default: defaults.port),
            scheduler: scheduler,
            apiKey: try environment.setting(apiKey, "api-key"),
            maxBodyBytes: try environment.setting(
                maxBodyBytes, "max-body-bytes", default: defaults.maxBodyBytes),
            maxInputs: try environment.setting(maxInputs, "max-inputs", default: defaults.maxInputs),
            readTimeout: try Self.seconds(
                try environment.setting(readTimeoutS, "read-timeout-s", default: 30.0), flag: "read-timeout-s"
            ),
            idleTimeout: try Self.seconds(
                try environment.setting(idleTimeoutS, "idle-timeout-s", default: 90.0), flag: "idle-timeout-s"
            ),
            maxConnections: try environment.setting(
                maxConnections, "max-connections", default: defaults.maxConnections),
            verboseErrors: try verboseErrors || environment.flag("verbose-errors"),
            corsAllowOrigins: Self.origins(
                !corsAllowOrigin.isEmpty
                    ? corsAllowOrigin
                    : [environment.values[EnvironmentSettings.variable(for: "cors-allow-origin")] ?? ""]),
            modelID: modelOptions.model,
            servedModelName: try environment.setting(servedModelName, "served-model-name"),
            // The one setting whose default differs from the library's: this process is the server.
            requestNice: try environment.setting(requestNice, "request-nice", default: 10)
        )
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        return configuration
    }
}

/// Reads `SLUICE_<FLAG>` settings, so that every flag can come from the environment.
struct EnvironmentSettings {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    /// `SLUICE_MAX_BATCH_SIZE` for `max-batch-size`.
    static func variable(for flag: String) -> String {
        "SLUICE_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The command line's value, else the environment's, else nil; a value the environment
    /// spells wrong is an error that names the variable.
    func setting<Value: LosslessStringConvertible>(_ given: Value?, _ flag: String) throws -> Value? {
        if let given { return given }
        let name = Self.variable(for: flag)
        guard let text = values[name] else { return nil }
        guard let value = Value(text) else {
            throw ValidationError("\(name)=\"\(text)\" is not a valid value for --\(flag)")
        }
        return value
    }

    /// The command line's value, else the environment's, else `fallback`.
    func setting<Value: LosslessStringConvertible>(
        _ given: Value?, _ flag: String, default fallback: Value
    ) throws
        -> Value
    {
        try setting(given, flag) ?? fallback
    }

    /// Whether a boolean flag is switched on in the environment (`1`, `true` or `yes`).
    func flag(_ flag: String) throws -> Bool {
        let name = Self.variable(for: flag)
        guard let text = values[name]?.lowercased() else { return false }
        switch text {
        case "1", "true", "yes": return true
        case "0", "false", "no", "": return false
        default: throw ValidationError("\(name)=\"\(text)\" is not a valid value for --\(flag) (use 1 or 0)")
        }
    }
}
