import Foundation
import HTTPTypes
import Hummingbird
import SluiceJSON
import SluicePipelines

/// KServe's Open Inference Protocol v2 (what tritonclient and KServe's clients speak) and
/// KServe v1's predict, over the served task. Errors are `{"error": "..."}`
/// (`APIDialect.kserve`).
///
/// Inputs: texts as a BYTES tensor (question answering: tensors named `question` and
/// `context`; a text pair: a second tensor named `text_pair`), or token ids as an INT64 tensor
/// `[n, tokens]` for the embedding tasks; JSON or binary. Outputs, as KServe's huggingfaceserver
/// names them: `output-0`, FP32 `[n, d]` for sentence embeddings; INT64 `[n]` label ids for
/// text classification, with every label's score in FP32 `[n, labels]` as `scores`; BYTES `[n]`
/// decoded tokens for fill-mask; for every other task BYTES `[n]`, each the JSON of the
/// pipeline's answer. Each output in binary when asked (`binary_data`, `binary_data_output`).
struct KServeController<Pipeline: ServablePipeline> {
    let runner: TaskRunner<Pipeline>

    /// Its routes, each a method, a path and its handler.
    var routes: [Route] {
        [
            (.get, "/v2", server), (.get, "/v2/health/live", live), (.get, "/v2/health/ready", ready),
            (.get, "/v2/models", models), (.get, "/v2/models/**", model), (.post, "/v2/models/**", infer),
            (.post, "/v1/models/**", predictV1),
        ]
    }

    @Sendable func server(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        JSONValue.object([
            ("name", .string("sluice")), ("version", .string(sluiceVersion)),
            ("extensions", .array([.string("binary_tensor_data")])),
        ]).response
    }

    @Sendable func live(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        JSONValue.object([("live", .bool(true))]).response
    }

    @Sendable func ready(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        guard runner.service.isReady else {
            throw ServerError(.overloaded, "Server is not ready.", retryAfterSeconds: 1)
        }
        return JSONValue.object([("ready", .bool(true))]).response
    }

    @Sendable func models(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        JSONValue.object([("models", .array(runner.models.entries.map { .string($0.name) }))]).response
    }

    /// `/v2/models/{name}` (metadata) and `/v2/models/{name}/ready`, with or without
    /// `/versions/1`.
    @Sendable func model(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (runner, name, action) = try route(context.parameters.getCatchAll(), actions: ["ready"])
        guard action == "ready" else { return try Self.metadata(name, runner).response }
        guard runner.service.isReady else {
            throw ServerError(.overloaded, "Model with name \(name) is not ready.", retryAfterSeconds: 1)
        }
        return JSONValue.object([("name", .string(name)), ("ready", .bool(true))]).response
    }

    /// `POST /v2/models/{name}/infer`.
    @Sendable func infer(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (runner, name, action) = try route(context.parameters.getCatchAll(), actions: ["infer"])
        guard action == "infer" else { throw ServerError(.notFound, "no such route") }
        let body = try await runner.body.bytes(of: request)
        let headerLength = request.headers[HTTPField.Name("Inference-Header-Content-Length")!].map {
            Int($0) ?? -1
        }
        let inferRequest = try InferRequest(body: body, headerLength: headerLength)
        let pipeline = try runner.loaded()
        let items = try Self.items(of: inferRequest.inputs, task: pipeline.taskName)
        guard !items.isEmpty else {
            throw ServerError(.badRequest, "the input tensors hold no texts or token ids")
        }
        let answer = try await runner.run(
            nil, items, try taskParameters(inferRequest, pipeline),
            priority: try Self.priority(inferRequest.parameters), context: context,
            unsupported: ServerError(.unsupported, "the model cannot answer this request"))
        let tensors = try outputs(answer.outputs, pipeline: pipeline)
        let binaryDefault = inferRequest.parameters["binary_data_output"]?.boolValue ?? false
        var chosen: [(tensor: InferTensor, binary: Bool)] = []
        if let requested = inferRequest.outputs {
            for output in requested {
                guard let tensor = tensors.first(where: { $0.name == output.name }) else {
                    throw ServerError(
                        .badRequest, "Unexpected inference output '\(output.name)' for model '\(name)'")
                }
                chosen.append((tensor, output.binary ?? binaryDefault))
            }
        } else {
            chosen = tensors.map { ($0, binaryDefault) }
        }
        return InferResponseBody(modelName: name, id: inferRequest.id, outputs: chosen).response
    }

    /// The scheduler's priority for Triton's `parameters.priority` (the schedule-policy
    /// extension; tritonclient's `priority=`): 1 is the most urgent level, 2 the next, and 0 or
    /// none the default level, which is level 2 (as a Triton model configured with two levels
    /// and `default_priority_level: 2`). Level `p` is the scheduler's priority `p - 2`, so
    /// level 1 goes before the default and the levels beyond 2 after it.
    static func priority(_ parameters: RequestFields) throws(ServerError) -> Int {
        let level = try parameters.int("priority") ?? 0
        guard level >= 0 else {
            throw ServerError(
                .badRequest, "\"priority\" must be 0 (the default level) or a level from 1 (most urgent)")
        }
        return level == 0 ? 0 : level - 2
    }

    /// KServe v1: `POST /v1/models/{name}:predict` with `{"instances": [...]}` (or `"inputs"`),
    /// answered `{"predictions": [...]}`, one per instance, in the v2 outputs' terms: an
    /// embedding's values, a label id, a fill-mask's decoded tokens, or the pipeline's answer.
    @Sendable func predictV1(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let path = OpenAIController<Pipeline>.pathName(context.parameters.getCatchAll())
        guard path.hasSuffix(":predict") else { throw ServerError(.notFound, "no such route") }
        let runner = try serving(String(path.dropLast(":predict".count)))
        let fields = try await runner.body.object(of: request)
        guard case .array(let instances)? = fields["instances"] ?? fields["inputs"], !instances.isEmpty else {
            throw ServerError(.badRequest, "the request needs a non-empty list \"instances\"")
        }
        let pipeline = try runner.loaded()
        let answer = try await runner.run(
            nil, instances, Self.defaultParameters(task: pipeline.taskName), context: context,
            unsupported: ServerError(.unsupported, "the model cannot answer this request"))
        let predictions = try answer.outputs.map { output -> JSONValue in
            switch pipeline.taskName {
            case "text-classification":
                return .int(try Self.labelScores(output, labels: pipeline.labels).best)
            case "fill-mask": return .string(try Self.decodedTopTokens(output, pipeline: pipeline))
            default: return output
            }
        }
        return JSONValue.object([("predictions", .array(predictions))]).response
    }

    // MARK: Reading requests

    /// The model name and the action after it (`ready`, `infer`, or nil for the model itself),
    /// from the path after `/v2/models/`; `/versions/1` may stand before the action. 404 for a
    /// name this server does not serve.
    private func route(
        _ components: [Substring], actions: Set<String>
    ) throws(ServerError) -> (TaskRunner<Pipeline>, String, String?) {
        var parts = components.map(String.init)
        var action: String?
        if let last = parts.last, actions.contains(last) {
            action = last
            parts.removeLast()
        }
        if parts.count >= 3, parts[parts.count - 2] == "versions" {
            guard parts.last == "1" else {
                throw ServerError(.notFound, "Model version \(parts.last!) does not exist.")
            }
            parts.removeLast(2)
        }
        let name = OpenAIController<Pipeline>.pathName(parts[...].map { Substring($0) })
        return (try serving(name), name, action)
    }

    /// The runner for the model of that name; 404 for a name not served.
    private func serving(_ name: String) throws(ServerError) -> TaskRunner<Pipeline> {
        guard let entry = runner.models.entry(answering: name) else {
            throw ServerError(.notFound, "Model with name \(name) does not exist.", detail: .unknownModel)
        }
        return runner.serving(entry)
    }

    /// The task's inputs from the tensors: texts, pairs, questions with contexts, or token ids.
    static func items(of inputs: [InferTensor], task: String) throws(ServerError) -> [JSONValue] {
        func texts(_ tensor: InferTensor) throws(ServerError) -> [String] {
            guard case .bytes(let texts) = tensor.values else {
                throw ServerError(.badRequest, "input '\(tensor.name)' must be BYTES text")
            }
            return texts
        }
        func named(_ name: String) -> InferTensor? { inputs.first { $0.name == name } }
        if task == "question-answering" {
            guard let question = named("question"), let context = named("context") else {
                throw ServerError(
                    .badRequest, "question answering takes two BYTES inputs, 'question' and 'context'")
            }
            let questions = try texts(question)
            let contexts = try texts(context)
            guard questions.count == contexts.count else {
                throw ServerError(.badRequest, "'question' and 'context' hold different numbers of texts")
            }
            return zip(questions, contexts).map {
                .object([("question", .string($0)), ("context", .string($1))])
            }
        }
        let first = inputs[0]
        switch first.values {
        case .bytes(let firstTexts):
            guard let pair = named("text_pair") else { return firstTexts.map(JSONValue.string) }
            let pairs = try texts(pair)
            guard pairs.count == firstTexts.count else {
                throw ServerError(
                    .badRequest, "'\(first.name)' and 'text_pair' hold different numbers of texts")
            }
            return zip(firstTexts, pairs).map {
                .object([("text", .string($0)), ("text_pair", .string($1))])
            }
        case .ints(let ids):
            // `[n, tokens]`, or `[tokens]` for one sequence.
            let length = first.shape.last ?? ids.count
            guard length > 0, ids.count % length == 0 else {
                throw ServerError(.badRequest, "input '\(first.name)' must be token ids shaped [n, tokens]")
            }
            return stride(from: 0, to: ids.count, by: length).map { start in
                .array(ids[start..<start + length].map(JSONValue.int))
            }
        case .floats:
            throw ServerError(.badRequest, "input '\(first.name)' must be BYTES text or INT64 token ids")
        }
    }

    /// Parameters for the task: every label for classification; zero-shot's
    /// `candidate_labels` (a list, or one string of comma-separated labels), `multi_label` and
    /// `hypothesis_template` from the request's parameters. Other keys (tritonclient's
    /// `binary_data_output`, `priority`, `timeout`, ...) are not the task's: `priority` orders the
    /// queue (`priority(_:)`), the others are ignored.
    private func taskParameters(
        _ request: InferRequest, _ pipeline: Pipeline
    ) throws(ServerError)
        -> [(String, JSONValue)]
    {
        var parameters = Self.defaultParameters(task: pipeline.taskName)
        guard pipeline.taskName == "zero-shot-classification" else { return parameters }
        switch request.parameters["candidate_labels"] {
        case .string(let labels)?:
            parameters.append(
                (
                    "candidate_labels",
                    .array(
                        labels.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
                ))
        case let labels?: parameters.append(("candidate_labels", labels))
        case nil: break
        }
        for key in ["multi_label", "hypothesis_template"] {
            if let value = request.parameters[key] { parameters.append((key, value)) }
        }
        return parameters
    }

    static func defaultParameters(task: String) -> [(String, JSONValue)] {
        task == "text-classification" ? [("top_k", .null)] : []
    }

    // MARK: Answering

    /// The output tensors for the task's answers.
    private func outputs(_ answers: [JSONValue], pipeline: Pipeline) throws -> [InferTensor] {
        let n = answers.count
        switch pipeline.taskName {
        case "sentence-embeddings":
            let vectors = answers.map(TEIController<Pipeline>.floats)
            let width = vectors.first?.count ?? 0
            return [
                InferTensor(name: "output-0", shape: [n, width], values: .floats(Array(vectors.joined())))
            ]
        case "text-classification":
            let scored = try answers.map { try Self.labelScores($0, labels: pipeline.labels) }
            return [
                InferTensor(name: "output-0", shape: [n], values: .ints(scored.map(\.best))),
                InferTensor(
                    name: "scores", shape: [n, pipeline.labels.count],
                    values: .floats(Array(scored.map(\.scores).joined()))),
            ]
        case "fill-mask":
            return [
                InferTensor(
                    name: "output-0", shape: [n],
                    values: .bytes(try answers.map { try Self.decodedTopTokens($0, pipeline: pipeline) }))
            ]
        default:
            return [InferTensor(name: "output-0", shape: [n], values: .bytes(answers.map(\.pythonJSON)))]
        }
    }

    /// Every label's score in label order, and the best label's id, from the pipeline's
    /// `[{"label", "score"}, ...]` for every label.
    static func labelScores(
        _ answer: JSONValue, labels: [String]
    ) throws(ServerError) -> (best: Int, scores: [Float]) {
        var scores = [Float](repeating: 0, count: labels.count)
        let items = answer.arrayValue ?? []
        for item in items {
            if let label = item["label"]?.stringValue, let index = labels.firstIndex(of: label),
                let score = item["score"]?.doubleValue
            {
                scores[index] = Float(score)
            }
        }
        guard let first = items.first?["label"]?.stringValue, let best = labels.firstIndex(of: first) else {
            throw ServerError(.internal, "the classifier's answer names no label")
        }
        return (best, scores)
    }

    /// The best token at each mask, decoded together, as KServe's huggingfaceserver answers.
    static func decodedTopTokens(_ answer: JSONValue, pipeline: Pipeline) throws(ServerError) -> String {
        let items = answer.arrayValue ?? []
        // One mask: `[{candidate}, ...]`; several: one such list per mask.
        let perMask =
            items.first?.arrayValue != nil
            ? items.compactMap { $0.arrayValue?.first } : Array(items.prefix(1))
        let ids = perMask.compactMap { $0["token"]?.integralValue }
        do { return try pipeline.decode(ids, skipSpecialTokens: true) } catch {
            throw ServerError.from(error, verbose: false)
        }
    }

    /// Metadata: the input and output tensors the served task takes and gives.
    private static func metadata(
        _ name: String, _ runner: TaskRunner<Pipeline>
    ) throws(ServerError) -> JSONValue {
        let pipeline = try runner.loaded()
        func tensor(_ name: String, _ datatype: String, _ shape: [Int]) -> JSONValue {
            .object([
                ("name", .string(name)), ("datatype", .string(datatype)),
                ("shape", .array(shape.map(JSONValue.int))),
            ])
        }
        var inputs = [tensor("input-0", "BYTES", [-1])]
        var outputs = [tensor("output-0", "BYTES", [-1])]
        switch pipeline.taskName {
        case "sentence-embeddings":
            outputs = [tensor("output-0", "FP32", [-1, -1])]
        case "text-classification":
            inputs.append(tensor("text_pair", "BYTES", [-1]))
            outputs = [
                tensor("output-0", "INT64", [-1]), tensor("scores", "FP32", [-1, pipeline.labels.count]),
            ]
        case "question-answering":
            inputs = [tensor("question", "BYTES", [-1]), tensor("context", "BYTES", [-1])]
        default:
            break
        }
        return .object([
            ("name", .string(name)), ("versions", .array([.string("1")])), ("platform", .string("sluice")),
            ("inputs", .array(inputs)), ("outputs", .array(outputs)),
        ])
    }
}
