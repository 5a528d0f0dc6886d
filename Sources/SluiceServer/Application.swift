import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A model for `buildApplication(configuration:models:)`: the name clients give it, where it
/// came from, and how to load it.
public struct ServedModel<Pipeline: ServablePipeline>: Sendable {
    /// The name clients use (OpenAI's `model`, KServe's path, `/models/{name}/…`).
    public var name: String
    /// The folder or hub id it is loaded from (a name for it too).
    public var modelID: String
    /// The hub revision asked for, if any.
    public var revision: String?
    /// Loads the model, on a thread of its own; its `forward` only runs on its inference thread.
    /// A shutdown that comes meanwhile cancels its `LoadCancellation`: a load that then throws
    /// ends the server cleanly (a download need not finish first).
    public var load: @Sendable (LoadCancellation) throws -> Pipeline

    public init(
        name: String, modelID: String, revision: String? = nil,
        load: @escaping @Sendable (LoadCancellation) throws -> Pipeline
    ) {
        self.name = name
        self.modelID = modelID
        self.revision = revision
        self.load = load
    }

    /// A model whose load does not look at shutdowns (it finishes first).
    public init(
        name: String, modelID: String, revision: String? = nil,
        load: @escaping @Sendable () throws -> Pipeline
    ) {
        self.init(name: name, modelID: modelID, revision: revision) { _ in try load() }
    }
}

/// Tells a model's load that the server is shutting down: the load may stop (throw) instead of
/// finishing. Handlers run once, on the thread that cancels, or at once if registered after.
public final class LoadCancellation: Sendable {
    private let state = NIOLockedValueBox<(cancelled: Bool, handlers: [@Sendable () -> Void])>((false, []))

    public init() {}

    public var isCancelled: Bool { state.withLockedValue { $0.cancelled } }

    /// Runs `handler` when the load is cancelled (now, if it already is).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLockedValue { state in
            if !state.cancelled { state.handlers.append(handler) }
            return state.cancelled
        }
        if now { handler() }
    }

    /// Cancels the load: runs the handlers registered so far.
    public func cancel() {
        let handlers = state.withLockedValue { state in
            guard !state.cancelled else { return [@Sendable () -> Void]() }
            state.cancelled = true
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler() }
    }
}

/// Builds the Sluice HTTP application for one model, named as `configuration` names it (see
/// `buildApplication(configuration:metrics:logger:onServerRunning:models:)`).
public func buildApplication<Pipeline: ServablePipeline>(
    configuration: ServerConfiguration,
    metrics: ServerMetrics = ServerMetrics(),
    logger: Logger = Logger(label: "sluice"),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in },
    loadPipeline: @escaping @Sendable () throws -> Pipeline
) -> some ApplicationProtocol {
    buildApplication(
        configuration: configuration, metrics: metrics, logger: logger, onServerRunning: onServerRunning,
        models: [
            ServedModel(
                name: configuration.modelName, modelID: configuration.modelID,
                revision: configuration.modelRevision,
                load: loadPipeline)
        ])
}

/// Builds the Sluice HTTP application: the routes of DESIGN.md and of every API dialect, the
/// models (each loaded once, when the application runs, with its own scheduler and inference
/// thread; their forward passes take turns at the compute threads), errors as JSON, the API
/// key, and `/metrics` (each model's scheduler metrics labelled `model`). The executable runs
/// it with `runService()` (SIGTERM and SIGINT drain it); tests run it with HummingbirdTesting or
/// a `ServiceGroup`.
///
/// The server listens while the models load: a model's routes answer 503 until it is loaded,
/// `/health` until all are. If a load throws, the application stops with that error.
///
/// - Parameters:
///   - configuration: address and limits; it must pass `validate()`.
///   - metrics: where metrics go and what `/metrics` shows (one instance per server).
///   - logger: for start-up, drain and internal errors.
///   - onServerRunning: called with the bound port once the server listens.
///   - models: the models, the first the default for routes that name none; names must differ.
public func buildApplication<Pipeline: ServablePipeline>(
    configuration: ServerConfiguration,
    metrics: ServerMetrics = ServerMetrics(),
    logger: Logger = Logger(label: "sluice"),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in },
    models: [ServedModel<Pipeline>]
) -> some ApplicationProtocol {
    let turns = ComputeTurns()
    let registry = ModelRegistry(
        models.map { model in
            var modelLogger = logger
            if models.count > 1 { modelLogger[metadataKey: "model"] = "\(model.name)" }
            return ModelRegistry<Pipeline>.Entry(
                name: model.name, modelID: model.modelID, revision: model.revision,
                service: InferenceService(
                    configuration: configuration,
                    metricsFactory: ModelMetricsFactory(base: metrics.factory, model: model.name),
                    turns: turns,
                    logger: modelLogger, load: model.load))
        })
    let runner = TaskRunner(
        models: registry, body: BodyReader(maxBodyBytes: configuration.maxBodyBytes),
        maxInputs: configuration.effectiveMaxInputs)
    let operations = OperationsController(runner: runner, configuration: configuration, metrics: metrics)
    let routes =
        InferenceAPIController(runner: runner).routes + TEIController(runner: runner).routes
        + OpenAIController(runner: runner).routes + KServeController(runner: runner).routes
        + operations.routes
        + ModelPathController(runner: runner, operations: operations).routes
    let router = Router(context: SluiceRequestContext.self)
    // Order matters: CORS outermost (its headers on every answer, preflights without an API key),
    // then the middleware that sees every error, the API key's included.
    if !configuration.corsAllowOrigins.isEmpty {
        router.add(middleware: AllowedOriginsCORS(origins: configuration.corsAllowOrigins))
    }
    router.add(
        middleware: ErrorAndMetricsMiddleware(
            verboseErrors: configuration.verboseErrors, metrics: metrics, routes: RouteTable(routes)))
    if let key = configuration.apiKey {
        router.add(middleware: APIKeyMiddleware(key: key))
    }
    router.add(routes)

    let http = Application(
        router: router,
        server: GuardedHTTP1Channel.server(
            limits: ConnectionLimits(
                readTimeout: TimeAmount(configuration.readTimeout),
                idleTimeout: TimeAmount(configuration.idleTimeout),
                maxConnections: configuration.maxConnections, maxBodyBytes: configuration.maxBodyBytes),
            counter: ConnectionCounter(factory: metrics.factory),
            additionalChannelHandlers: { [ClientDisconnectHandler()] }),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "sluice"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
    return SluiceApplication(
        http: http, inference: registry.entries.map(\.service),
        address: "\(configuration.host):\(configuration.port)")
}

/// The HTTP application and the models' inference services, shut down in the order that drains
/// cleanly.
///
/// `run()` puts the HTTP server first and the inference service second in one `ServiceGroup`,
/// which shuts services down in reverse: on SIGTERM the scheduler stops admitting (new
/// requests get 503, `/health` turns 503) and computes every accepted job while the server
/// still answers; only then does the server stop, after writing the last responses.
///
/// HummingbirdTesting wraps an application and runs its `services` with the server by itself,
/// which is why `services` lists the inference service too.
struct SluiceApplication<Responder: HTTPResponder>: ApplicationProtocol
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let http: Application<Responder>
    let inference: [any Service]
    /// Where the server listens, as the user gave it (for an error that cannot).
    let address: String

    var responder: Responder { http.responder }
    var server: HTTPServerBuilder { http.server }
    var eventLoopGroup: any EventLoopGroup { http.eventLoopGroup }
    var configuration: ApplicationConfiguration { http.configuration }
    var logger: Logger { http.logger }
    var services: [any Service] { inference }

    func onServerRunning(_ channel: any Channel) async {
        await http.onServerRunning(channel)
    }

    func run() async throws {
        // A model that fails to load shuts the rest down gracefully (the server closes its
        // listener and connections in order) before its error ends the process.
        let services =
            [.init(service: http)]
            + inference.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, failureTerminationBehavior: .gracefullyShutdownGroup)
            }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        do {
            try await group.run()
        } catch let error as IOError where [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(error.errnoCode) {
            throw ListenError(
                address: address, reason: String(cString: strerror(error.errnoCode)))
        }
    }
}

/// The server could not listen where it was told to (the port taken, say): one line for the user.
public struct ListenError: Error, CustomStringConvertible {
    public let address: String
    public let reason: String

    public var description: String { "cannot listen on \(address): \(reason)" }
}
