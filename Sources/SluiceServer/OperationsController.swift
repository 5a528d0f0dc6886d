import Hummingbird
import SluiceJSON
import SluicePipelines

/// The routes an operator and a load balancer use: `GET /health`, `GET /info`, `GET /metrics`.
/// None of them touches the inference thread, so they answer while a batch computes.
struct OperationsController<Pipeline: ServablePipeline> {
    let service: InferenceService<Pipeline>
    let configuration: ServerConfiguration
    let metrics: ServerMetrics

    func addRoutes(to router: Router<SluiceRequestContext>) {
        router.get("/health", use: health)
        router.get("/info", use: info)
        router.get("/metrics", use: renderMetrics)
    }

    /// 200 while the inference thread runs and admits jobs; 503 while the model loads and once a
    /// shutdown has begun.
    @Sendable func health(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        guard service.pipeline != nil else { throw InferenceService<Pipeline>.loading }
        guard service.isReady else {
            throw ServerError(.overloaded, "the server is shutting down", retryAfterSeconds: 1)
        }
        return json(.object([("status", .string("ok"))]))
    }

    @Sendable func info(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        guard let pipeline = service.pipeline else { throw InferenceService<Pipeline>.loading }
        let limits = configuration.scheduler
        let answer = JSONValue.object([
            ("model_id", .string(configuration.modelID)),
            ("task", .string(pipeline.taskName)),
            ("architecture", pipeline.architecture.map(JSONValue.string) ?? .null),
            ("weights", .string(pipeline.weightFormat)),
            ("max_input_tokens", .int(pipeline.maxInputTokens)),
            (
                "limits",
                .object([
                    ("max_batch_size", .int(limits.maxBatchSize)),
                    ("max_batch_tokens", .int(limits.maxBatchTokens)),
                    ("max_batch_wait_ms", .int(Int(limits.maxBatchWait / .milliseconds(1)))),
                    ("max_refill_wait_ms", .int(Int(limits.maxRefillWait / .milliseconds(1)))),
                    ("max_queue", .int(limits.maxQueue)),
                    ("request_timeout_ms", .int(Int(limits.requestTimeout / .milliseconds(1)))),
                    ("max_body_bytes", .int(configuration.maxBodyBytes)),
                    ("max_inputs", .int(configuration.effectiveMaxInputs)),
                ])
            ),
            ("version", .string(sluiceVersion)),
        ])
        return json(answer)
    }

    @Sendable func renderMetrics(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
    }

    private func json(_ value: JSONValue) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.pythonJSONBytes)))
    }
}
