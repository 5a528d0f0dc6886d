import Foundation
import HTTPTypes
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

    /// Its routes, each a method, a path and its handler.
    var routes: [Route] {
        [(.post, "/", infer), (.get, "/", page)]
    }

    /// The answer, with where its time went in `Server-Timing` (milliseconds).
    @Sendable func infer(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let body = try await runner.body.bytes(of: request)
        let decoded = try InferenceRequest(body: body, contentType: request.headers[.contentType])
        let (answer, cost) = try await context.whileClientWaits { [runner] in
            try await runner.service.infer(decoded, maxInputs: runner.maxInputs)
        }
        var response = answer.response
        func milliseconds(_ duration: Duration) -> String {
            String(format: "%.2f", Double(duration / .microseconds(1)) / 1000)
        }
        response.headers[HTTPField.Name("Server-Timing")!] =
            "tokenize;dur=\(milliseconds(cost.tokenization)), queue;dur=\(milliseconds(cost.queue)), "
            + "inference;dur=\(milliseconds(cost.inference)), total;dur=\(milliseconds(cost.total))"
        return response
    }

    /// `GET /`: the playground for a browser (one that accepts HTML); for any other client,
    /// KServe v1's liveness answer `{"status": "alive"}`.
    @Sendable func page(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        guard request.headers[.accept]?.contains("text/html") == true else {
            return JSONValue.object([("status", .string("alive"))]).response
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: playgroundPage)))
    }
}
