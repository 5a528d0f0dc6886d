import Hummingbird
import SluiceJSON

/// The routes of one model by name, for a server with several: `POST /models/{name}` (the
/// Inference API and the raw-text route), `POST /models/{name}/embed` and every other TEI route,
/// `GET /models/{name}/info` and `GET /models/{name}/health`. A name may contain `/` (a hub
/// id); an unknown name is a 404.
struct ModelPathController<Pipeline: ServablePipeline> {
    let runner: TaskRunner<Pipeline>
    let operations: OperationsController<Pipeline>

    /// Its routes, each a method, a path and its handler.
    var routes: [Route] {
        [(.post, "/models/**", post), (.get, "/models/**", get)]
    }

    @Sendable func post(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (runner, action) = try route(context.parameters.getCatchAll(), actions: Set(Self.teiRoutes))
        guard let action else {
            return try await InferenceAPIController(runner: runner).infer(request, context: context)
        }
        let tei = TEIController(runner: runner)
        let handler: RouteHandler =
            switch action {
            case "embed": tei.embed
            case "embed_all": tei.embedAll
            case "embed_sparse": tei.embedSparse
            case "predict": tei.predict
            case "rerank": tei.rerank
            case "similarity": tei.similarity
            case "tokenize": tei.tokenize
            default: tei.decode
            }
        return try await handler(request, context)
    }

    @Sendable func get(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (runner, action) = try route(context.parameters.getCatchAll(), actions: ["info", "health"])
        switch action {
        case "info": return try operations.info(of: runner)
        case "health": return try operations.health(of: runner)
        default: throw ServerError(.notFound, "no such route")
        }
    }

    static var teiRoutes: [String] {
        ["embed", "embed_all", "embed_sparse", "predict", "rerank", "similarity", "tokenize", "decode"]
    }

    /// The runner for the model the path names, and the action after the name, if any.
    private func route(
        _ components: [Substring], actions: Set<String>
    ) throws(ServerError) -> (
        TaskRunner<Pipeline>, String?
    ) {
        var parts = components
        var action: String?
        if let last = parts.last, actions.contains(String(last)), parts.count > 1 {
            action = String(last)
            parts.removeLast()
        }
        let name = OpenAIController<Pipeline>.pathName(parts)
        return (try runner.serving(named: name), action)
    }
}
