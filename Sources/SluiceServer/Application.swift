import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the Sluice HTTP application: the routes of DESIGN.md, the model (loaded once, when the
/// application runs), the scheduler that owns the inference thread, errors as JSON, the API key,
/// and `/metrics`. The executable runs it with `runService()` (SIGTERM and SIGINT drain it);
/// tests run it with HummingbirdTesting or a `ServiceGroup`.
///
/// The server listens while the model loads: `/health` and every other route answer 503 until
/// `loadPipeline` returns. If it throws, the application stops with that error.
///
/// - Parameters:
///   - configuration: address and limits; it must pass `validate()`.
///   - metrics: where metrics go and what `/metrics` shows (one instance per server).
///   - logger: for start-up, drain and internal errors.
///   - onServerRunning: called with the bound port once the server listens.
///   - loadPipeline: loads the model, on a thread of its own; its `forward` will only run on
///     the scheduler's inference thread. `{ pipeline }` serves one already loaded.
public func buildApplication<Pipeline: ServablePipeline>(
    configuration: ServerConfiguration,
    metrics: ServerMetrics = ServerMetrics(),
    logger: Logger = Logger(label: "sluice"),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in },
    loadPipeline: @escaping @Sendable () throws -> Pipeline
) -> some ApplicationProtocol {
    let service = InferenceService(
        configuration: configuration, metrics: metrics, logger: logger, load: loadPipeline)
    let router = Router(context: SluiceRequestContext.self)
    // Order matters: the outermost middleware sees every error, the API key's included.
    router.add(
        middleware: ErrorAndMetricsMiddleware(verboseErrors: configuration.verboseErrors, metrics: metrics))
    if let key = configuration.apiKey {
        router.add(middleware: APIKeyMiddleware(key: key))
    }
    let runner = TaskRunner(
        service: service, body: BodyReader(maxBodyBytes: configuration.maxBodyBytes),
        maxInputs: configuration.effectiveMaxInputs)
    InferenceAPIController(runner: runner).addRoutes(to: router)
    TEIController(runner: runner).addRoutes(to: router)
    OpenAIController(runner: runner, modelName: configuration.modelName, modelID: configuration.modelID)
        .addRoutes(to: router)
    KServeController(runner: runner, modelName: configuration.modelName, modelID: configuration.modelID)
        .addRoutes(to: router)
    OperationsController(service: service, configuration: configuration, metrics: metrics).addRoutes(
        to: router)

    let http = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [ClientDisconnectHandler()])),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "sluice"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
    return SluiceApplication(http: http, inference: service)
}

/// The HTTP application and the inference service, shut down in the order that drains cleanly.
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
    let inference: any Service

    var responder: Responder { http.responder }
    var server: HTTPServerBuilder { http.server }
    var eventLoopGroup: any EventLoopGroup { http.eventLoopGroup }
    var configuration: ApplicationConfiguration { http.configuration }
    var logger: Logger { http.logger }
    var services: [any Service] { [inference] }

    func onServerRunning(_ channel: any Channel) async {
        await http.onServerRunning(channel)
    }

    func run() async throws {
        let group = ServiceGroup(configuration: .init(services: [http, inference], logger: logger))
        try await group.run()
    }
}
