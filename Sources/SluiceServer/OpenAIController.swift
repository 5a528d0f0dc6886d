import Foundation
import Hummingbird
import SluiceJSON
import SluicePipelines

/// OpenAI's routes, as the openai SDK calls them with `base_url=".../v1"`: `POST /v1/embeddings`,
/// `GET /v1/models`, `GET /v1/models/{id}`; and rerank in the shape vLLM, Jina and Cohere serve
/// (`POST /v1/rerank`, and `/v2/rerank` for Cohere's v2 SDK). Errors come in OpenAI's shape
/// (`APIDialect.openAI`).
///
/// `GET /v1/models/{id}` is also KServe v1's readiness check: its answer carries OpenAI's model
/// object and KServe's `name` and `ready`.
struct OpenAIController<Pipeline: ServablePipeline> {
    let runner: TaskRunner<Pipeline>
    var body: BodyReader { runner.body }
    var maxInputs: Int { runner.maxInputs }
    /// When the server started (`created`), in Unix seconds.
    let created = Int(Date().timeIntervalSince1970)

    /// Its routes, each a method, a path and its handler.
    var routes: [Route] {
        [
            (.post, "/v1/embeddings", embeddings), (.get, "/v1/models", models),
            (.get, "/v1/models/**", model),
            (.post, "/v1/rerank", rerank), (.post, "/v2/rerank", rerank),
        ]
    }

    /// `input` (a text, texts, token ids or lists of them) as sentence embeddings, unit length,
    /// cut to `dimensions` first and normalised again; floats, or base64 of little-endian
    /// float32 bytes with `"encoding_format": "base64"`.
    @Sendable func embeddings(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let runner = try runner(for: fields)
        let name = runner.model.name
        let inputs = try Self.embeddingInputs(try fields.required("input"))
        guard inputs.count <= maxInputs else {
            throw ServerError(
                .validation, "\"input\" has \(inputs.count) items; this server takes at most \(maxInputs)")
        }
        let base64: Bool
        switch try fields.string("encoding_format") ?? "float" {
        case "float": base64 = false
        case "base64": base64 = true
        case let other:
            throw ServerError(
                .validation, "encoding_format must be \"float\" or \"base64\" (got \"\(other)\")")
        }
        var parameters: [(String, JSONValue)] = [("normalize", .bool(true))]
        if let dimensions = try fields.int("dimensions") {
            guard dimensions > 0 else {
                throw ServerError(.validation, "dimensions must be a positive integer")
            }
            parameters.append(("dimensions", .int(dimensions)))
        }
        let answer = try await runner.run(
            .sentenceEmbeddings, inputs, parameters, priority: try fields.priority(), context: context,
            unsupported: Self.unsupported(.sentenceEmbeddings, runner))
        let data = answer.outputs.enumerated().map { index, embedding in
            JSONValue.object([
                ("object", .string("embedding")),
                ("embedding", base64 ? .string(Self.base64(embedding)) : embedding),
                ("index", .int(index)),
            ])
        }
        return JSONValue.object([
            ("object", .string("list")), ("data", .array(data)), ("model", .string(name)),
            ("usage", Self.usage(answer.cost)),
        ]).response
    }

    @Sendable func models(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        JSONValue.object([
            ("object", .string("list")), ("data", .array(runner.models.entries.map(modelObject))),
        ])
        .response
    }

    /// The model object, with KServe v1's `name` and `ready`; 404 for a name not served.
    @Sendable func model(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let name = Self.pathName(context.parameters.getCatchAll())
        guard let entry = runner.models.entry(answering: name) else {
            throw Self.unknownModel(name)
        }
        return modelObject(entry).response
    }

    /// Cohere's and Jina's rerank: `query`, `documents` (strings or `{"text"}`), `top_n`,
    /// `return_documents` (true by default, as vLLM and Jina); results by relevance, highest first.
    @Sendable func rerank(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let runner = try runner(for: fields)
        let name = runner.model.name
        guard let query = try fields.string("query") else {
            throw ServerError(.validation, "the request has no \"query\"")
        }
        guard case .array(let items) = try fields.required("documents") else {
            throw ServerError(.validation, "\"documents\" must be a list of strings")
        }
        var documents: [String] = []
        for item in items {
            guard let text = item.stringValue ?? item["text"]?.stringValue else {
                throw ServerError(.validation, "each document must be a string or {\"text\": ...}")
            }
            documents.append(text)
        }
        guard !documents.isEmpty else { throw ServerError(.validation, "\"documents\" is empty") }
        guard documents.count <= maxInputs else {
            throw ServerError(
                .validation,
                "\"documents\" has \(documents.count) items; this server takes at most \(maxInputs)")
        }
        let topN = try fields.int("top_n") ?? 0
        guard topN >= 0 else { throw ServerError(.validation, "top_n must not be negative") }
        let returnDocuments = try fields.bool("return_documents") ?? true
        var parameters: [(String, JSONValue)] = []
        if topN > 0 { parameters.append(("top_k", .int(topN))) }
        let input = JSONValue.object([
            ("query", .string(query)), ("texts", .array(documents.map(JSONValue.string))),
        ])
        let answer = try await runner.run(
            .textRanking, [input], parameters, priority: try fields.priority(), context: context,
            unsupported: Self.unsupported(.textRanking, runner))
        let ranked = answer.outputs.first?.arrayValue ?? []
        let results = ranked.map { item -> JSONValue in
            let index = item["corpus_id"]?.integralValue ?? 0
            var result: [(String, JSONValue)] = [("index", .int(index))]
            if returnDocuments { result.append(("document", .object([("text", .string(documents[index]))]))) }
            result.append(("relevance_score", item["score"] ?? .null))
            return .object(result)
        }
        return JSONValue.object([
            ("id", .string("rerank-" + UUID().uuidString.lowercased())), ("model", .string(name)),
            ("usage", Self.usage(answer.cost)), ("results", .array(results)),
        ]).response
    }

    // MARK: Helpers

    static func unsupported(_ task: PipelineTask, _ runner: TaskRunner<Pipeline>) -> ServerError {
        let answers = runner.service.pipeline?.taskNames.joined(separator: ", ") ?? ""
        return ServerError(
            .unsupported,
            "the model \(runner.model.name) does not answer \(task.rawValue) (it answers \(answers))")
    }

    private func modelObject(_ entry: ModelRegistry<Pipeline>.Entry) -> JSONValue {
        .object([
            ("id", .string(entry.name)), ("object", .string("model")), ("created", .int(created)),
            ("owned_by", .string("sluice")), ("name", .string(entry.name)),
            ("ready", .bool(entry.service.isReady)),
        ])
    }

    /// The runner for the model the request's `model` names (the default when absent). An
    /// unknown name in a body is a 400 (`model_not_found`), a status TEI's OpenAI route
    /// documents; on `/v1/models/{id}` it is a 404.
    private func runner(for fields: RequestFields) throws(ServerError) -> TaskRunner<Pipeline> {
        let name = try fields.string("model")
        guard let name else { return runner }
        guard let entry = runner.models.entry(answering: name) else {
            var error = Self.unknownModel(name)
            error.kind = .validation
            throw error
        }
        return runner.serving(entry)
    }

    static func unknownModel(_ name: String) -> ServerError {
        ServerError(.notFound, "The model `\(name)` does not exist.", detail: .unknownModel)
    }

    /// A model name from the path after `/v1/models/`: its components joined by `/`, percent
    /// escapes decoded (the openai SDK escapes a `/` in a hub id, older ones send it raw).
    static func pathName(_ components: [Substring]) -> String {
        let joined = components.joined(separator: "/")
        return joined.removingPercentEncoding ?? joined
    }

    /// `input`: a text, texts, a list of token ids, or lists of them; none of them empty.
    static func embeddingInputs(_ input: JSONValue) throws(ServerError) -> [JSONValue] {
        let invalid = ServerError(
            .validation,
            "\"input\" must be a non-empty string, a list of them, a list of token ids, or a list of those")
        switch input {
        case .string(let text):
            guard !text.isEmpty else { throw invalid }
            return [input]
        case .array(let items) where !items.isEmpty:
            if input.integerArray != nil { return [input] }
            for item in items {
                switch item {
                case .string(let text) where !text.isEmpty: continue
                case .array(let ids) where !ids.isEmpty && item.integerArray != nil:
                    continue
                default: throw invalid
                }
            }
            return items
        default: throw invalid
        }
    }

    /// Little-endian float32 bytes, base64 with padding.
    static func base64(_ embedding: JSONValue) -> String {
        var bytes: [UInt8] = []
        for value in embedding.arrayValue ?? [] {
            let bits = Float(value.doubleValue ?? 0).bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes += $0 }
        }
        return Data(bytes).base64EncodedString()
    }

    static func usage(_ cost: ComputeCost) -> JSONValue {
        .object([("prompt_tokens", .int(cost.tokens)), ("total_tokens", .int(cost.tokens))])
    }
}
