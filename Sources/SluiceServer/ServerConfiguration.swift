import SluiceScheduler

/// Everything `buildApplication` needs besides the pipeline: the address, the scheduler's limits
/// and the HTTP layer's own limits. The defaults are the command line's.
public struct ServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The TCP port; 0 lets the system choose one (tests).
    public var port: Int
    /// Batches, queue and deadlines (see DESIGN.md, "The batching algorithm").
    public var scheduler: SchedulerConfiguration
    /// When set, every route but `/health` requires `Authorization: Bearer <apiKey>`.
    public var apiKey: String?
    /// The largest request body accepted, in bytes (413 above it).
    public var maxBodyBytes: Int
    /// The most inputs one request may carry in its `inputs` list (413 above it).
    public var maxInputs: Int
    /// How long a client may take to send a whole request, from its first byte (408 after it).
    public var readTimeout: Duration
    /// How long a connection may sit with no request before it is closed.
    public var idleTimeout: Duration
    /// The most connections open at once; a connection beyond it has its requests answered 503
    /// (health probes excepted) and is closed.
    public var maxConnections: Int
    /// Whether a 500 answer may say what failed inside (off by default: internals stay in the log).
    public var verboseErrors: Bool
    /// The browser origins (`https://app.example.com`, or `*` for any) whose pages may call the
    /// server (CORS, `--cors-allow-origin`); empty, the default: no CORS headers at all.
    public var corsAllowOrigins: [String]
    /// How `/info` names the model (the folder or hub id it was loaded from).
    public var modelID: String
    /// The name clients give the model (OpenAI's `model`, KServe's path); `modelID` when nil.
    public var servedModelName: String?
    /// The revision asked for, when the model came from the hub (TEI's `model_sha`).
    public var modelRevision: String?
    /// How many nice levels below the compute threads every other thread of the process runs
    /// (request handling, timers), so that under overload the model keeps the cores. It changes
    /// the whole process and cannot be undone, so it is for a process that is the server (`sluice
    /// serve` sets 10); the default, 0, leaves priorities alone (tests, embedding applications).
    /// Threads are lowered through `computePriorities`.
    public var requestNice: Int
    /// How the inference thread is recorded as a compute thread and the others are lowered
    /// below it: the model's runtime, wired in by the executable; `.unmanaged` by default.
    public var computePriorities: ComputePriorities
    /// The scheduler's time source: real time, or a `ManualClock` in tests that show deadlines
    /// by order rather than by waiting.
    public var clock: any SchedulerClock

    /// Creates a configuration; every default matches `sluice serve`'s but `requestNice`.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8000,
        scheduler: SchedulerConfiguration = SchedulerConfiguration(),
        apiKey: String? = nil,
        maxBodyBytes: Int = 1 << 20,
        maxInputs: Int = 256,
        readTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(90),
        maxConnections: Int = 4096,
        verboseErrors: Bool = false,
        corsAllowOrigins: [String] = [],
        modelID: String = "",
        servedModelName: String? = nil,
        modelRevision: String? = nil,
        requestNice: Int = 0,
        computePriorities: ComputePriorities = .unmanaged,
        clock: any SchedulerClock = SystemClock()
    ) {
        self.host = host
        self.port = port
        self.scheduler = scheduler
        self.apiKey = apiKey
        self.maxBodyBytes = maxBodyBytes
        self.maxInputs = maxInputs
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.verboseErrors = verboseErrors
        self.corsAllowOrigins = corsAllowOrigins
        self.modelID = modelID
        self.servedModelName = servedModelName
        self.modelRevision = modelRevision
        self.requestNice = requestNice
        self.computePriorities = computePriorities
        self.clock = clock
    }

    /// The name clients use for the model.
    public var modelName: String { servedModelName ?? modelID }

    /// The most inputs one request is taken with: `maxInputs`, but never more than the queue
    /// holds, since a list's inputs are admitted together or not at all.
    public var effectiveMaxInputs: Int { min(maxInputs, scheduler.maxQueue) }

    /// Checks every limit and names the first one that cannot work, by its flag.
    public func validate() throws(InvalidServerConfiguration) {
        do {
            try scheduler.validate()
        } catch {
            throw InvalidServerConfiguration(reason: "\(Self.flagName(of: error.parameter)) \(error.reason)")
        }
        if !(0...65535).contains(port) {
            throw InvalidServerConfiguration(reason: "--port must be between 0 and 65535")
        }
        if maxBodyBytes < 1 {
            throw InvalidServerConfiguration(reason: "--max-body-bytes must be at least 1")
        }
        if maxInputs < 1 { throw InvalidServerConfiguration(reason: "--max-inputs must be at least 1") }
        if readTimeout <= .zero {
            throw InvalidServerConfiguration(reason: "--read-timeout-s must be more than 0")
        }
        if idleTimeout <= .zero {
            throw InvalidServerConfiguration(reason: "--idle-timeout-s must be more than 0")
        }
        if maxConnections < 1 {
            throw InvalidServerConfiguration(reason: "--max-connections must be at least 1")
        }
        if !(0...19).contains(requestNice) {
            throw InvalidServerConfiguration(reason: "--request-nice must be between 0 and 19")
        }
        if let apiKey, apiKey.isEmpty {
            throw InvalidServerConfiguration(reason: "--api-key must not be empty")
        }
    }

    private static func flagName(of parameter: String) -> String {
        switch parameter {
        case "maxBatchSize": return "--max-batch-size"
        case "maxBatchTokens": return "--max-batch-tokens"
        case "maxBatchWait": return "--max-batch-wait-ms"
        case "maxQueue": return "--max-queue"
        case "requestTimeout": return "--request-timeout-ms"
        default: return parameter
        }
    }
}

/// A server setting that cannot work, said in terms of the flag to fix.
public struct InvalidServerConfiguration: Error, CustomStringConvertible {
    /// The flag and what its value must be.
    public var reason: String
    /// A sentence for the operator.
    public var description: String { reason }
}

/// The version `/info` reports.
public let sluiceVersion = "0.1.0"
