import Hummingbird
import SluiceJSON
import SluicePipelines

/// `POST /`: the recipe's route and the Hugging Face Inference API on one path.
///
/// Raw text answers the pipeline's output for that one input; `{"inputs": …}` answers as the task
/// reads `inputs`: one output for one input, or a list for a list. The body is read here (413
/// over the limit), decoded (400, 422), and handed to `InferenceService`; the work is cancelled
/// if the client goes away meanwhile.
struct InferenceAPIController<Pipeline: ServablePipeline> {
    let runner: TaskRunner<Pipeline>

    func addRoutes(to router: Router<SluiceRequestContext>) {
        router.post("/", use: infer)
    }

    @Sendable func infer(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let body = try await runner.body.bytes(of: request)
        let decoded = try InferenceRequest(body: body, contentType: request.headers[.contentType])
        return try await context.whileClientWaits { [runner] in
            try await runner.service.infer(decoded, maxInputs: runner.maxInputs)
        }.response
    }
}
