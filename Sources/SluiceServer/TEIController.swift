import Foundation
import HTTPTypes
import Hummingbird
import SluiceJSON
import SluicePipelines

/// text-embeddings-inference's routes (TEI 1.9; its `docs/openapi.json`, and its server where
/// the two differ): `/embed`, `/embed_all`, `/embed_sparse`, `/predict`, `/rerank`,
/// `/similarity`, `/tokenize`, `/decode`. Each decodes TEI's request into one of the tasks the
/// served model answers and encodes the answer in TEI's shape, with TEI's timing headers; errors
/// come in TEI's shape (`APIDialect.tei`). A route the model cannot answer is TEI's 424.
///
/// `truncate` defaults to true, as TEI 1.9's `--auto-truncate`. A batch holds at most
/// `--max-inputs` inputs (TEI's `max_client_batch_size`: 422 above it).
struct TEIController<Pipeline: ServablePipeline> {
    let runner: TaskRunner<Pipeline>
    var body: BodyReader { runner.body }
    var maxInputs: Int { runner.maxInputs }

    /// Its routes, each a method, a path and its handler.
    var routes: [Route] {
        [
            (.post, "/embed", embed), (.post, "/embed_all", embedAll), (.post, "/embed_sparse", embedSparse),
            (.post, "/predict", predict), (.post, "/rerank", rerank), (.post, "/similarity", similarity),
            (.post, "/tokenize", tokenize), (.post, "/decode", decode),
        ]
    }

    // MARK: Routes

    @Sendable func embed(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        var parameters = try truncation(fields)
        parameters.append(("normalize", .bool(try fields.flag("normalize") ?? true)))
        if let dimensions = try fields.int("dimensions") {
            guard dimensions > 0 else { throw ServerError(.validation, "`dimensions` should be positive") }
            parameters.append(("dimensions", .int(dimensions)))
        }
        if let name = try fields.string("prompt_name") { parameters.append(("prompt_name", .string(name))) }
        let answer = try await runner.run(
            .sentenceEmbeddings, try embeddingInputs(fields), parameters, priority: try fields.priority(),
            context: context,
            unsupported: Self.unsupported("Model is not an embedding model"))
        return Self.response(.array(answer.outputs), answer.cost)
    }

    @Sendable func embedAll(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let inputs = try withPrompt(try fields.string("prompt_name"), try embeddingInputs(fields))
        let answer = try await runner.run(
            .featureExtraction, inputs, try truncation(fields), priority: try fields.priority(),
            context: context,
            unsupported: Self.unsupported("Model is not an embedding model"))
        // Feature extraction answers a batch of one (`[[token vector, ...]]`) per input.
        return Self.response(.array(answer.outputs.map { $0.arrayValue?.first ?? .array([]) }), answer.cost)
    }

    @Sendable func embedSparse(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let inputs = try withPrompt(try fields.string("prompt_name"), try embeddingInputs(fields))
        let answer = try await runner.run(
            .sparseEmbeddings, inputs, try truncation(fields), priority: try fields.priority(),
            context: context,
            unsupported: Self.unsupported("Model is not an embedding model with SPLADE pooling"))
        return Self.response(.array(answer.outputs), answer.cost)
    }

    /// `inputs`: a text, a pair `[a, b]`, or a batch of them as lists (`[["a"], ["b", "c"]]`);
    /// every label scored (softmax for several, sigmoid for one, the logits with `raw_scores`),
    /// highest first.
    @Sendable func predict(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let (items, isBatch) = try Self.predictInputs(try fields.required("inputs"))
        try checkBatch(items.count, isBatch: isBatch)
        let labels = try classifierLabels(unsupported: "Model is not a classifier model")
        let answer = try await runner.run(
            .textClassification, items, try scoring(fields, labels: labels), priority: try fields.priority(),
            context: context,
            unsupported: Self.unsupported("Model is not a classifier model"))
        let predictions = answer.outputs.map { Self.teiPredictions($0, labels: labels) }
        return Self.response(isBatch ? .array(predictions) : predictions[0], answer.cost)
    }

    /// Each text scored with the query by a one-label classifier, highest first.
    @Sendable func rerank(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let query =
            try fields.string("query") ?? { throw ServerError(.validation, "the request has no \"query\"") }()
        let texts = try fields.strings("texts")
        guard !texts.isEmpty else {
            throw ServerError(.validation, "`texts` cannot be empty", detail: .emptyInput)
        }
        let labels = try classifierLabels(unsupported: "model is not a re-ranker model")
        guard labels.count == 1 else { throw Self.unsupported("model is not a re-ranker model") }
        try checkBatch(texts.count, isBatch: true)
        for text in texts where query.isEmpty && text.isEmpty { throw Self.emptyInputs }
        let items = texts.map { JSONValue.object([("text", .string(query)), ("text_pair", .string($0))]) }
        let answer = try await runner.run(
            .textClassification, items, try scoring(fields, labels: labels), priority: try fields.priority(),
            context: context,
            unsupported: Self.unsupported("model is not a re-ranker model"))
        let scores = answer.outputs.map { $0.arrayValue?.first?["score"] ?? .null }
        let returnText = try fields.flag("return_text") ?? false
        let ranks = Self.highestFirst(scores).map { index in
            var rank: [(String, JSONValue)] = [("index", .int(index))]
            if returnText { rank.append(("text", .string(texts[index]))) }
            rank.append(("score", scores[index]))
            return JSONValue.object(rank)
        }
        return Self.response(.array(ranks), answer.cost)
    }

    /// Cosine similarity of the source sentence's embedding with each sentence's.
    @Sendable func similarity(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let inputs = RequestFields(try fields.required("inputs"))
        let source =
            try inputs.string("source_sentence")
            ?? {
                throw ServerError(.validation, "\"inputs\" has no \"source_sentence\"")
            }()
        let sentences = try inputs.strings("sentences")
        guard !sentences.isEmpty else {
            throw ServerError(.validation, "`inputs.sentences` cannot be empty", detail: .emptyInput)
        }
        let options = RequestFields(fields["parameters"] ?? .object([]))
        var parameters = try truncation(options)
        parameters.append(("normalize", .bool(false)))
        if let name = try options.string("prompt_name") { parameters.append(("prompt_name", .string(name))) }
        let texts = [source] + sentences
        try checkBatch(texts.count, isBatch: true)
        guard !texts.contains("") else { throw Self.emptyInputs }
        let answer = try await runner.run(
            .sentenceEmbeddings, texts.map(JSONValue.string), parameters, priority: try fields.priority(),
            context: context,
            unsupported: Self.unsupported("Model is not an embedding model"))
        let vectors = answer.outputs.map(Self.floats)
        let similarities = vectors.dropFirst().map { JSONValue.number(Double(Self.cosine(vectors[0], $0))) }
        return Self.response(.array(similarities), answer.cost)
    }

    /// The tokens of each text: `{"id", "text", "special", "start", "stop"}`, byte offsets.
    @Sendable func tokenize(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let texts: [String]
        switch try fields.required("inputs") {
        case .string(let text): texts = [text]
        case .array:
            texts = try fields.strings("inputs")
            guard !texts.isEmpty else {
                throw ServerError(.validation, "`inputs` cannot be empty", detail: .emptyInput)
            }
            try checkBatch(texts.count, isBatch: true)
        default: throw ServerError(.validation, "\"inputs\" must be a string or a list of strings")
        }
        guard !texts.contains("") else { throw Self.emptyInputs }
        let pipeline = try runner.loaded()
        let prompt = try promptText(try fields.string("prompt_name"))
        let addSpecialTokens = try fields.flag("add_special_tokens") ?? true
        let tokens = try texts.map { text -> JSONValue in
            let spans = try runner.failing {
                try pipeline.tokenSpans(of: prompt + text, addSpecialTokens: addSpecialTokens)
            }
            return .array(
                spans.map { span in
                    .object([
                        ("id", .int(span.id)), ("text", .string(span.text)), ("special", .bool(span.special)),
                        ("start", span.bytes.map { .int($0.lowerBound) } ?? .null),
                        ("stop", span.bytes.map { .int($0.upperBound) } ?? .null),
                    ])
                })
        }
        return JSONValue.array(tokens).response
    }

    /// Token ids back to text, one string per list of ids.
    @Sendable func decode(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let fields = try await body.object(of: request)
        let lists: [[Int]]
        let ids = try fields.required("ids")
        if let single = ids.integerArray {
            lists = [single]
        } else if case .array(let items) = ids, let batch = Optional(items.compactMap(\.integerArray)),
            batch.count == items.count
        {
            lists = batch
            try checkBatch(lists.count, isBatch: true)
        } else {
            throw ServerError(.validation, "\"ids\" must be a list of token ids or a list of such lists")
        }
        guard !lists.joined().contains(where: { $0 < 0 }) else {
            throw ServerError(.validation, "token ids must not be negative")
        }
        guard !lists.contains(where: \.isEmpty) else {
            throw ServerError(
                .validation, "Input validation error: `input_ids` cannot be empty", detail: .emptyInput)
        }
        let pipeline = try runner.loaded()
        let skip = try fields.flag("skip_special_tokens") ?? true
        let texts = try lists.map { ids in
            JSONValue.string(try runner.failing { try pipeline.decode(ids, skipSpecialTokens: skip) })
        }
        return JSONValue.array(texts).response
    }

    // MARK: Reading TEI's requests

    /// `inputs` of the embedding routes: a text, a list of token ids (one input), or a list of
    /// texts and token-id lists (a batch). Always answered as a list.
    private func embeddingInputs(_ fields: RequestFields) throws(ServerError) -> [JSONValue] {
        let inputs = try fields.required("inputs")
        let items: [JSONValue]
        switch inputs {
        case .string: items = [inputs]
        case .array(let elements) where elements.isEmpty || inputs.integerArray != nil: items = [inputs]
        case .array(let elements):
            for element in elements {
                guard element.stringValue != nil || element.integerArray != nil else {
                    throw ServerError(
                        .validation, "\"inputs\" must be a string, a list of token ids, or a list of those")
                }
            }
            items = elements
            try checkBatch(items.count, isBatch: true)
        default:
            throw ServerError(
                .validation, "\"inputs\" must be a string, a list of token ids, or a list of those")
        }
        if items.contains(where: { $0 == .string("") || $0 == .array([]) }) { throw Self.emptyInputs }
        return items
    }

    /// `/predict`'s inputs: `"a"`, `["a"]` and `["a", "b"]` are one input (a pair for two);
    /// `[["a"], ["b", "c"]]` is a batch.
    static func predictInputs(_ inputs: JSONValue) throws(ServerError) -> (items: [JSONValue], isBatch: Bool)
    {
        func sequence(_ value: JSONValue) throws(ServerError) -> JSONValue {
            guard case .array(let parts) = value, (1...2).contains(parts.count),
                let first = parts[0].stringValue, parts.count == 1 || parts[1].stringValue != nil
            else {
                throw ServerError(
                    .validation,
                    "\"inputs\" must be a string, a pair of strings [string, string] or a batch of them [[string], [string, string], ...]"
                )
            }
            if first.isEmpty && (parts.count == 1 || parts[1].stringValue == "") { throw emptyInputs }
            return parts.count == 1 ? .string(first) : .object([("text", parts[0]), ("text_pair", parts[1])])
        }
        switch inputs {
        case .string(let text):
            guard !text.isEmpty else { throw emptyInputs }
            return ([inputs], false)
        case .array(let elements) where elements.first?.stringValue != nil:
            return ([try sequence(inputs)], false)
        case .array(let elements) where !elements.isEmpty:
            var items: [JSONValue] = []
            for element in elements { items.append(try sequence(element)) }
            return (items, true)
        default:
            throw ServerError(
                .validation,
                "\"inputs\" must be a string, a pair of strings [string, string] or a batch of them [[string], [string, string], ...]"
            )
        }
    }

    /// `truncate` (true unless the request says false, as TEI 1.9's `--auto-truncate`) and
    /// `truncation_direction` as task parameters.
    private func truncation(_ fields: RequestFields) throws(ServerError) -> [(String, JSONValue)] {
        var parameters: [(String, JSONValue)] = [("truncate", .bool(try fields.bool("truncate") ?? true))]
        if fields.object["truncation_direction"] == .null {
            throw ServerError(.validation, "\"truncation_direction\" must be \"Left\" or \"Right\"")
        }
        if let direction = try fields.string("truncation_direction") {
            guard ["left", "Left", "right", "Right"].contains(direction) else {
                throw ServerError(.validation, "\"truncation_direction\" must be \"Left\" or \"Right\"")
            }
            parameters.append(("truncation_direction", .string(direction)))
        }
        return parameters
    }

    /// Text-classification parameters for TEI's scores: every label, softmax over several or
    /// sigmoid for one, the logits with `raw_scores`.
    private func scoring(
        _ fields: RequestFields, labels: [String]
    ) throws(ServerError) -> [(String, JSONValue)] {
        let raw = try fields.flag("raw_scores") ?? false
        let function = raw ? "none" : labels.count > 1 ? "softmax" : "sigmoid"
        return try truncation(fields) + [("top_k", .null), ("function_to_apply", .string(function))]
    }

    /// The class names of a model that classifies, or TEI's 424.
    private func classifierLabels(unsupported message: String) throws(ServerError) -> [String] {
        let pipeline = try runner.loaded()
        guard pipeline.taskNames.contains(PipelineTask.textClassification.rawValue), !pipeline.labels.isEmpty
        else {
            throw Self.unsupported(message)
        }
        return pipeline.labels
    }

    /// `inputs` with the prompt `prompt_name` names (or the folder's default) before each text.
    private func withPrompt(_ name: String?, _ inputs: [JSONValue]) throws(ServerError) -> [JSONValue] {
        let prompt = try promptText(name)
        guard !prompt.isEmpty else { return inputs }
        return inputs.map { input in input.stringValue.map { .string(prompt + $0) } ?? input }
    }

    private func promptText(_ name: String?) throws(ServerError) -> String {
        let pipeline = try runner.loaded()
        guard let name else { return "" }
        guard let prompt = pipeline.prompts[name] else {
            let known = pipeline.prompts.keys.sorted()
            throw ServerError(
                .validation,
                known.isEmpty
                    ? "`prompt_name` is set to `\(name)` but no prompts were found in the Sentence Transformers configuration"
                    : "`prompt_name` is set to `\(name)` but it was not found in the Sentence Transformers prompts. Available prompts: \(known)"
            )
        }
        return prompt
    }

    private func checkBatch(_ count: Int, isBatch: Bool) throws(ServerError) {
        if isBatch && count > maxInputs {
            throw ServerError(.validation, "batch size \(count) > maximum allowed batch size \(maxInputs)")
        }
    }

    // MARK: Running and answering

    static var emptyInputs: ServerError {
        ServerError(.validation, "Input validation error: `inputs` cannot be empty", detail: .emptyInput)
    }

    static func unsupported(_ message: String) -> ServerError {
        ServerError(.unsupported, "Backend error: \(message)")
    }

    /// TEI's answer with its timing headers (milliseconds) and counts.
    static func response(_ answer: JSONValue, _ cost: ComputeCost) -> Response {
        func milliseconds(_ duration: Duration) -> String { String(Int(duration / .milliseconds(1))) }
        var response = answer.response
        for (name, value) in [
            ("x-compute-type", "cpu"), ("x-compute-time", milliseconds(cost.total)),
            ("x-total-time", milliseconds(cost.total)), ("x-compute-characters", String(cost.characters)),
            ("x-compute-tokens", String(cost.tokens)),
            ("x-tokenization-time", milliseconds(cost.tokenizationPerInput)),
            ("x-queue-time", milliseconds(cost.queuePerInput)),
            ("x-inference-time", milliseconds(cost.inferencePerInput)),
        ] {
            response.headers[HTTPField.Name(name)!] = value
        }
        return response
    }

    /// The pipeline's `[{"label", "score"}]` as TEI's `[{"score", "label"}]`, highest first,
    /// equal scores in descending label order (TEI reverses an ascending stable sort).
    static func teiPredictions(_ output: JSONValue, labels: [String]) -> JSONValue {
        guard case .array(let predictions) = output else { return output }
        let scores = predictions.map { $0["score"] ?? .null }
        let order = highestFirst(
            scores, labelIndex: predictions.map { p in labels.firstIndex { .string($0) == p["label"] } ?? 0 })
        return .array(
            order.map { .object([("score", scores[$0]), ("label", predictions[$0]["label"] ?? .null)]) })
    }

    /// Positions of `scores` from the highest; equal scores with the higher index (or label
    /// index) first, as TEI orders them.
    static func highestFirst(_ scores: [JSONValue], labelIndex: [Int]? = nil) -> [Int] {
        let values = scores.map { $0.doubleValue ?? -.infinity }
        let keys = labelIndex ?? Array(scores.indices)
        return scores.indices.sorted { a, b in
            values[a] != values[b] ? values[a] > values[b] : keys[a] > keys[b]
        }
    }

    static func floats(_ value: JSONValue) -> [Float] {
        guard case .array(let items) = value else { return [] }
        return items.map { Float($0.doubleValue ?? 0) }
    }

    /// Cosine similarity; 0 when either vector is zero.
    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Double = 0
        var aa: Double = 0
        var bb: Double = 0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            aa += Double(x) * Double(x)
            bb += Double(y) * Double(y)
        }
        return dot == 0 ? 0 : Float(dot / (aa.squareRoot() * bb.squareRoot()))
    }
}
