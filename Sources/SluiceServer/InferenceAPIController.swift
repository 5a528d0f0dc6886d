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
    let service: InferenceService<Pipeline>
    let maxBodyBytes: Int
    let maxInputs: Int

    func addRoutes(to router: Router<SluiceRequestContext>) {
        router.post("/", use: infer)
    }

    @Sendable func infer(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let disconnect = await ClientDisconnectHandler.signal(of: context.channel)
        let body = try await readBody(request)
        let decoded = try InferenceRequest(body: body, contentType: request.headers[.contentType])
        let work: @Sendable () async throws -> JSONValue = { [service, maxInputs] in
            try await service.infer(decoded, maxInputs: maxInputs)
        }
        let answer: JSONValue
        if let disconnect {
            answer = try await disconnect.cancellingOnDisconnect(work)
        } else {
            answer = try await work()
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.pythonJSONBytes)))
    }

    private func readBody(_ request: Request) async throws(ServerError) -> ByteBuffer {
        let tooLarge = ServerError(.payloadTooLarge, "the request body is over \(maxBodyBytes) bytes")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            throw tooLarge
        }
        do {
            return try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch {
            throw ServerError(.badRequest, "the request body could not be read")
        }
    }
}
