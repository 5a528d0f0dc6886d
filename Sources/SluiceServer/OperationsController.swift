import Foundation
import Hummingbird
import SluiceJSON
import SluicePipelines

/// The routes an operator and a load balancer use: `GET /health`, `GET /info`, `GET /metrics`,
/// and the API's description: `GET /openapi.json`, `GET /docs`.
/// None of them touches the inference thread, so they answer while a batch computes.
struct OperationsController<Pipeline: ServablePipeline> {
    /// The default model's runner; `/models/{name}/info` and `/health` use the named model's.
    let runner: TaskRunner<Pipeline>
    let configuration: ServerConfiguration
    let metrics: ServerMetrics

    /// Its routes, each a method, a path and its handler.
    var routes: [Route] {
        [
            (.get, "/health", health), (.get, "/info", info), (.get, "/metrics", renderMetrics),
            (.get, "/openapi.json", openAPI), (.get, "/docs", docs),
        ]
    }

    /// 200 while every model's inference thread runs and admits jobs; 503 while a model loads
    /// and once a shutdown has begun.
    @Sendable func health(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        for entry in runner.models.entries { try Self.checkHealth(entry.service) }
        return JSONValue.object([("status", .string("ok"))]).response
    }

    /// `/models/{name}/health`: the one model's.
    func health(of runner: TaskRunner<Pipeline>) throws -> Response {
        try Self.checkHealth(runner.service)
        return JSONValue.object([("status", .string("ok"))]).response
    }

    private static func checkHealth(_ service: InferenceService<Pipeline>) throws(ServerError) {
        guard service.pipeline != nil else { throw InferenceService<Pipeline>.loading }
        guard service.isReady else {
            throw ServerError(.overloaded, "the server is shutting down", retryAfterSeconds: 1)
        }
    }

    /// The default model's `/info`.
    @Sendable func info(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try info(of: runner)
    }

    /// TEI's `/info` fields first (its clients read them), then Sluice's own: the tasks the
    /// model answers, its architecture and weights, every limit, and every model served.
    func info(of runner: TaskRunner<Pipeline>) throws -> Response {
        guard let pipeline = runner.service.pipeline else { throw InferenceService<Pipeline>.loading }
        let model = runner.model
        let limits = configuration.scheduler
        let answer = JSONValue.object([
            ("model_id", .string(model.modelID)),
            ("model_sha", model.revision.map(JSONValue.string) ?? .null),
            ("model_dtype", .string(Self.dtypeName(pipeline.weightFormat))),
            ("served_model_name", .string(model.name)),
            ("model_type", Self.teiModelType(pipeline)),
            ("max_concurrent_requests", .int(limits.maxQueue)),
            ("max_input_length", .int(pipeline.maxInputTokens)),
            ("max_batch_tokens", .int(limits.maxBatchTokens)),
            ("max_batch_requests", .int(limits.maxBatchSize)),
            ("max_client_batch_size", .int(configuration.effectiveMaxInputs)),
            ("auto_truncate", .bool(true)),
            // Requests are tokenized on their own tasks, across every core.
            ("tokenization_workers", .int(ProcessInfo.processInfo.activeProcessorCount)),
            ("version", .string(sluiceVersion)),
            ("task", .string(pipeline.taskName)),
            ("tasks", .array(pipeline.taskNames.map(JSONValue.string))),
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
            ("models", .array(runner.models.entries.map { .string($0.name) })),
        ])
        return answer.response
    }

    /// TEI's `model_type`: a classifier with several labels, a re-ranker with one, or an
    /// embedding model with its pooling.
    static func teiModelType(_ pipeline: Pipeline) -> JSONValue {
        let labels = pipeline.labels
        guard pipeline.taskNames.contains("text-classification"), !labels.isEmpty else {
            return .object([
                ("embedding", .object([("pooling", .string(pipeline.poolingName ?? "none"))]))
            ])
        }
        let id2label = JSONValue.object(labels.enumerated().map { (String($0.offset), .string($0.element)) })
        let label2id = JSONValue.object(labels.enumerated().map { ($0.element, .int($0.offset)) })
        return .object([
            (
                labels.count == 1 ? "reranker" : "classifier",
                .object([("id2label", id2label), ("label2id", label2id)])
            )
        ])
    }

    /// TEI's names for how the dense layers hold their weights.
    static func dtypeName(_ format: String) -> String {
        switch format {
        case "f32": return "float32"
        case "bf16": return "bfloat16"
        case "f16": return "float16"
        default: return format
        }
    }

    /// The OpenAPI document of every route (`OpenAPIDocument.swift`).
    @Sendable func openAPI(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: openAPIDocument)))
    }

    /// The document as a page (`DocsPage.swift`).
    @Sendable func docs(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: docsPage)))
    }

    @Sendable func renderMetrics(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
    }
}
