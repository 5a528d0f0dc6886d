import Foundation
import SluiceJSON
import SluiceModels
import SluiceTensors
import SluiceTokenizers

/// One token sequence the model computes: ids and type ids, special tokens included.
public struct TokenSequence: Sendable, Equatable {
    /// Token ids.
    public let ids: [Int]
    /// Token type ids, parallel to `ids`.
    public let typeIds: [Int]
}

/// One input made ready for the model on the request's side: its token sequences (one for most
/// tasks; one per candidate label for zero-shot, one per text for ranking, one per window for
/// question answering) and what the post-processing needs. Only `Pipeline.forward` touches the
/// model.
public struct PreparedInput: Sendable {
    /// The sequences this input costs the model.
    public let sequences: [TokenSequence]
    /// Tokens the model computes for this input, all sequences together (the scheduler's token
    /// budget counts these).
    public var tokenCount: Int { sequences.reduce(0) { $0 + $1.ids.count } }
    let options: TaskOptions
}

/// Per-task settings and bookkeeping of one prepared input.
enum TaskOptions: Sendable {
    case fillMask(FillMaskOptions)
    case featureExtraction
    case sentenceEmbedding(SentenceEmbeddingRequest)
    case textClassification(TextClassificationRequest)
    case tokenClassification(TokenClassificationRequest)
    case zeroShot(ZeroShotRequest)
    case textRanking(TextRankingRequest)
    case questionAnswering(QuestionAnsweringRequest)
}

/// What the model computed for one prepared input.
public enum ModelOutput: Sendable {
    /// Vocabulary logits at the input's mask positions, `[masks, vocab]`.
    case maskLogits([Float])
    /// The encoder's last hidden state for each sequence, `[tokens, hidden]`.
    case hiddenStates([[Float]])
    /// Sentence embeddings whose pooling reads single token rows (CLS, last token): for each
    /// sequence the last hidden state of those rows alone, in the pooling modes' order.
    case pooledRows([[Float]])
    /// The head on the first token of each sequence, `[sequences, labels]`.
    case sequenceLogits([Float])
    /// The head on every token, per sequence `[tokens, width]`.
    case tokenLogits([[Float]])
}

/// A task on a loaded model: `prepare` and `finish` run on the request's side, `forward` on
/// the inference thread over a ragged batch of any mix of prepared inputs.
public final class Pipeline: Sendable {
    /// The task served.
    public let task: PipelineTask
    /// The model folder.
    public let folder: ModelFolder
    /// The model's configuration.
    public let config: EncoderConfig
    /// The tokenizer, set up as transformers sets it up.
    public let tokenizer: PretrainedTokenizer
    /// The longest input in tokens (special tokens included) that the model accepts.
    public let maxInputTokens: Int
    /// How the model's dense layers hold their weights (`f32`, `bf16`, `int8`).
    public var denseWeights: DenseWeightFormat { model.denseWeights }
    /// Class names by index: `id2label`, or `LABEL_i` where the config names none.
    let labels: [String]
    let model: LoadedEncoder
    let head: (any EncoderHead)?
    let sentence: SentenceTransformerModules?
    let crossEncoder: CrossEncoderSettings?
    /// The entailment class for zero-shot classification (-1 when no label starts with
    /// "entail", which numpy reads as the last class).
    let entailmentId: Int
    /// All-zero token types when the tokenizer returns none (transformers then passes no
    /// `token_type_ids`): RoBERTa-style checkpoints, and tokenizers whose class says so.
    let zeroTypeIds: Bool

    /// Loads the folder for `task`, or for the task the folder implies, its dense layers
    /// holding their weights as `denseWeights` says (f32: the checkpoint's values), the model
    /// computing on `runtime`.
    public init(
        folder: ModelFolder, task requested: PipelineTask? = nil, denseWeights: DenseWeightFormat = .f32,
        runtime: ComputeRuntime
    )
        throws
    {
        self.folder = folder
        let model: LoadedEncoder
        do {
            model = try LoadedEncoder(folder: folder, denseWeights: denseWeights, runtime: runtime)
        } catch let error
            as ModelError
        {
            throw PipelineError.load(error.description)
        }
        self.model = model
        let config = model.config
        self.config = config
        let task = try requested ?? PipelineTask.infer(folder: folder, config: config)
        self.task = task
        labels = (0..<config.numLabels).map { config.id2label[$0] ?? "LABEL_\($0)" }
        entailmentId = Self.entailmentId(folder: folder, config: config)
        var tokenizer: PretrainedTokenizer
        do { tokenizer = try PretrainedTokenizer(folder: folder.url, modelType: config.modelType) } catch {
            throw PipelineError.load("\(error)")
        }
        zeroTypeIds =
            [.roberta, .xlmRoberta, .camembert].contains(config.family) || !tokenizer.returnsTokenTypeIds
        var maxTokens = config.maxSequenceLength
        var sentence: SentenceTransformerModules?
        var crossEncoder: CrossEncoderSettings?
        let headKind: HeadKind?
        switch task {
        case .fillMask:
            guard tokenizer.maskTokenId != nil else {
                throw PipelineError.load("the tokenizer in \(folder.url.path) defines no mask_token")
            }
            headKind = .maskedLM
        case .featureExtraction:
            headKind = nil
        case .sentenceEmbeddings:
            let modules = try SentenceTransformerModules(folder: folder, config: config, runtime: runtime)
            // sentence-transformers 3+ keeps the limit as the tokenizer's model_max_length.
            let limit = min(modules.maxSeqLength ?? tokenizer.modelMaxLength ?? maxTokens, maxTokens)
            tokenizer = tokenizer.truncating(to: limit)
            maxTokens = limit
            sentence = modules
            headKind = nil
        case .textClassification, .zeroShotClassification:
            headKind = .sequenceClassification
        case .tokenClassification:
            headKind = .tokenClassification
        case .questionAnswering:
            headKind = .questionAnswering
        case .textRanking:
            let settings = try CrossEncoderSettings(folder: folder, config: config)
            if let limit = settings.maxLength ?? tokenizer.modelMaxLength {
                tokenizer = tokenizer.truncating(to: min(limit, maxTokens))
            }
            crossEncoder = settings
            headKind = .sequenceClassification
        }
        if let headKind {
            do { head = try model.loadHead(headKind) } catch let error as ModelError {
                throw PipelineError.load(error.description)
            }
        } else {
            head = nil
        }
        if task == .zeroShotClassification, config.numLabels < 2 {
            throw PipelineError.load(
                "zero-shot-classification needs an NLI model (entailment among several labels); \(folder.url.path) has \(config.numLabels) label"
            )
        }
        self.sentence = sentence
        self.crossEncoder = crossEncoder
        self.tokenizer = tokenizer
        maxInputTokens = maxTokens
    }

    /// Tokenizes one text and checks the task's parameters (`parameters` is the JSON object of
    /// the Hugging Face Inference API, or nil). For tasks whose input is structured (question
    /// answering, ranking) use `prepare(input:parameters:)`.
    public func prepare(_ text: String, parameters: JSONValue? = nil) throws -> PreparedInput {
        try prepare(input: .string(text), parameters: parameters)
    }

    /// Prepares one input in the shape the Hugging Face Inference API sends for the task: a
    /// string; `{"text", "text_pair"}` (text classification); `{"question", "context"}`
    /// (question answering); `{"query", "texts"}` or `{"source_sentence", "sentences"}`
    /// (ranking, and similarity for sentence embeddings).
    public func prepare(input: JSONValue, parameters: JSONValue?) throws -> PreparedInput {
        let parameters = parameters == .null ? nil : parameters
        if let parameters, case .object = parameters {
        } else if parameters != nil {
            throw PipelineError.validation("parameters must be a JSON object")
        }
        switch task {
        case .fillMask:
            let text = try input.requireText(task)
            let options = try FillMaskOptions(parameters, pipeline: self)
            let prepared = PreparedInput(sequences: [try encode(text)], options: .fillMask(options))
            if maskPositions(prepared.sequences[0]).isEmpty {
                throw PipelineError.validation(
                    "No mask_token (\(tokenizer.maskToken ?? "")) found on the input")
            }
            return prepared
        case .featureExtraction:
            try checkParameters(parameters, allowed: [])
            return PreparedInput(
                sequences: [try encode(try input.requireText(task))], options: .featureExtraction)
        case .sentenceEmbeddings:
            return try prepareSentenceEmbedding(input, parameters: parameters)
        case .textClassification:
            return try prepareTextClassification(input, parameters: parameters)
        case .tokenClassification:
            return try prepareTokenClassification(input, parameters: parameters)
        case .zeroShotClassification:
            return try prepareZeroShot(input, parameters: parameters)
        case .textRanking:
            return try prepareTextRanking(input, parameters: parameters)
        case .questionAnswering:
            return try prepareQuestionAnswering(input, parameters: parameters)
        }
    }

    /// Runs the model over one ragged batch holding every sequence of every input, and hands
    /// each input its part. This is the only model compute; the scheduler calls it on the
    /// inference thread.
    public func forward(_ inputs: [PreparedInput]) throws -> [ModelOutput] {
        var batch = RaggedBatch()
        for input in inputs {
            for sequence in input.sequences {
                let types = zeroTypeIds ? Array(repeating: 0, count: sequence.ids.count) : sequence.typeIds
                batch.append(ids: sequence.ids, typeIds: types)
            }
        }
        // The batch's sequences, input by input.
        var ranges: [Range<Int>] = []
        var next = 0
        for input in inputs {
            ranges.append(next..<(next + input.sequences.count))
            next += input.sequences.count
        }
        switch task {
        case .fillMask:
            // The head reads the masked positions only; so does the last layer's feed-forward work.
            guard let head else { throw PipelineError(.internal, "no masked-LM head loaded") }
            var rows: [Int] = []
            var counts: [Int] = []
            for (input, range) in zip(inputs, ranges) {
                let positions = maskPositions(input.sequences[0])
                rows += positions.map { batch.sequences[range.lowerBound].lowerBound + $0 }
                counts.append(positions.count)
            }
            let hidden = try model.forward(batch, keeping: rows)
            let logits = head.logits(hidden, rows: Array(rows.indices))
            let v = head.outputWidth
            var start = 0
            return counts.map { count in
                defer { start += count }
                return .maskLogits(Array(logits[(start * v)..<((start + count) * v)]))
            }
        case .sentenceEmbeddings:
            if let output = try pooledRowsForward(inputs, batch: batch, ranges: ranges) { return output }
            fallthrough
        case .featureExtraction:
            let hidden = try model.forward(batch)
            let h = hidden.hidden
            return ranges.map { range in
                .hiddenStates(
                    hidden.sequences[range].map {
                        Array(hidden.values[($0.lowerBound * h)..<($0.upperBound * h)])
                    })
            }
        case .textClassification, .zeroShotClassification, .textRanking:
            // Every classification head reads the first token of each sequence alone.
            guard let head else { throw PipelineError(.internal, "no classification head loaded") }
            let hidden = try model.forward(batch, keeping: batch.sequences.map(\.lowerBound))
            let logits = head.logits(hidden, rows: Array(batch.sequences.indices))
            let w = head.outputWidth
            return ranges.map { .sequenceLogits(Array(logits[($0.lowerBound * w)..<($0.upperBound * w)])) }
        case .tokenClassification, .questionAnswering:
            guard let head else { throw PipelineError(.internal, "no token head loaded") }
            let hidden = try model.forward(batch)
            let logits = head.everyTokenLogits(hidden)
            let w = head.outputWidth
            return ranges.map { range in
                .tokenLogits(
                    hidden.sequences[range].map { Array(logits[($0.lowerBound * w)..<($0.upperBound * w)]) })
            }
        }
    }

    /// Sentence embeddings whose pooling reads single rows (CLS, last token): the encoder keeps
    /// only those rows through its last layer's feed-forward work. Nil when some input's
    /// pooling reads every row (mean, max, weighted mean).
    private func pooledRowsForward(
        _ inputs: [PreparedInput], batch: RaggedBatch, ranges: [Range<Int>]
    ) throws -> [ModelOutput]? {
        guard let sentence else { return nil }
        var rows: [Int] = []
        var counts: [[Int]] = []
        for (input, range) in zip(inputs, ranges) {
            guard case .sentenceEmbedding(let request) = input.options else { return nil }
            var perSequence: [Int] = []
            for sequence in batch.sequences[range] {
                guard let picked = sentence.pooledRows(length: sequence.count, excluded: request.excluded)
                else {
                    return nil
                }
                rows += picked.map { sequence.lowerBound + $0 }
                perSequence.append(picked.count)
            }
            counts.append(perSequence)
        }
        let hidden = try model.forward(batch, keeping: rows)
        let h = hidden.hidden
        var start = 0
        return counts.map { perSequence in
            .pooledRows(
                perSequence.map { count in
                    defer { start += count }
                    return Array(hidden.values[(start * h)..<((start + count) * h)])
                })
        }
    }

    /// Turns the model's output for one input into the pipeline's JSON output, as the
    /// pipeline returns it for that input alone.
    public func finish(_ input: PreparedInput, _ output: ModelOutput) throws -> JSONValue {
        switch (input.options, output) {
        case (.fillMask(let options), .maskLogits(let logits)):
            return fillMaskOutput(input, logits: logits, options: options)
        case (.featureExtraction, .hiddenStates(let states)):
            let h = config.hiddenSize
            let rows = (0..<(states[0].count / h)).map { r in
                JSONValue.array(states[0][(r * h)..<((r + 1) * h)].map { .number(Double($0)) })
            }
            return .array([.array(rows)])
        case (.sentenceEmbedding(let request), .hiddenStates(let states)):
            return try sentenceEmbeddingOutput(request, states: states)
        case (.sentenceEmbedding(let request), .pooledRows(let rows)):
            return try sentenceEmbeddingOutput(request, states: rows, pooledRows: true)
        case (.textClassification(let request), .sequenceLogits(let logits)):
            return textClassificationOutput(request, logits: logits)
        case (.tokenClassification(let request), .tokenLogits(let logits)):
            return tokenClassificationOutput(request, logits: logits)
        case (.zeroShot(let request), .sequenceLogits(let logits)):
            return zeroShotOutput(request, logits: logits)
        case (.textRanking(let request), .sequenceLogits(let logits)):
            return textRankingOutput(request, logits: logits)
        case (.questionAnswering(let request), .tokenLogits(let logits)):
            return try questionAnsweringOutput(request, logits: logits)
        default:
            throw PipelineError(.internal, "model output does not match the task")
        }
    }

    /// One input's output as the pipeline gives it when that input is one item of a list: the
    /// same as `finish`, except text classification without `top_k`, which answers a bare
    /// `{"label", "score"}` per item of a list but `[{"label", "score"}]` for a lone string.
    public func finishListItem(_ input: PreparedInput, _ output: ModelOutput) throws -> JSONValue {
        let value = try finish(input, output)
        if case .textClassification(let request) = input.options, request.legacy, request.wrapped,
            case .array(let items) = value, items.count == 1
        {
            return items[0]
        }
        return value
    }

    /// Prepares, computes as one batch and finishes `texts`: what `sluice predict` does.
    public func run(_ texts: [String], parameters: JSONValue? = nil) throws -> [JSONValue] {
        try run(inputs: texts.map { .string($0) }, parameters: parameters)
    }

    /// Prepares, computes as one batch and finishes structured inputs (see
    /// `prepare(input:parameters:)`), each as the pipeline answers it alone.
    public func run(inputs: [JSONValue], parameters: JSONValue? = nil) throws -> [JSONValue] {
        let prepared = try inputs.map { try prepare(input: $0, parameters: parameters) }
        let outputs = try forward(prepared)
        return try zip(prepared, outputs).map { try finish($0, $1) }
    }

    /// Encodes a text (or pair) with `tokenizer`, checking the model's length limit.
    func encode(
        _ text: String, pair: String? = nil, with tokenizer: Tokenizer? = nil
    ) throws -> TokenSequence {
        TokenSequence(encoding: try encoding(text, pair: pair, with: tokenizer))
    }

    /// The full encoding (offsets, special-token mask, overflowing windows) of a text or pair.
    func encoding(_ text: String, pair: String? = nil, with tokenizer: Tokenizer? = nil) throws -> Encoding {
        guard !text.isEmpty else { throw PipelineError.validation("the input text is empty") }
        let encoding: Encoding
        do { encoding = try (tokenizer ?? self.tokenizer.tokenizer).encode(text, pair: pair) } catch {
            throw PipelineError.validation("cannot tokenize the input: \(error)")
        }
        try checkLength(encoding.ids.count)
        return encoding
    }

    func checkLength(_ count: Int) throws {
        guard count <= maxInputTokens else {
            throw PipelineError.validation(
                "the input is \(count) tokens long; this model takes at most \(maxInputTokens)")
        }
    }

    func maskPositions(_ sequence: TokenSequence) -> [Int] {
        guard let mask = tokenizer.maskTokenId else { return [] }
        return sequence.ids.indices.filter { sequence.ids[$0] == mask }
    }

    func checkParameters(_ parameters: JSONValue?, allowed: Set<String>) throws {
        guard let parameters, parameters != .null else { return }
        guard case .object(let pairs) = parameters else {
            throw PipelineError.validation("parameters must be a JSON object")
        }
        for (key, _) in pairs where !allowed.contains(key) {
            let names = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
            throw PipelineError.validation(
                "unknown parameter \"\(key)\" for \(task.rawValue) (accepted: \(names))")
        }
    }

    /// `ZeroShotClassificationPipeline.entailment_id`: the first label in `label2id` (in the
    /// file's order) that starts with "entail", case-insensitively; -1 if none.
    static func entailmentId(folder: ModelFolder, config: EncoderConfig) -> Int {
        var ordered: [(String, Int)] = []
        if let data = try? Data(contentsOf: folder.file("config.json")),
            let json = try? JSONValue.parse(data)
        {
            if case .object(let pairs) = json["label2id"] {
                ordered = pairs.compactMap { key, value in
                    if case .int(let id) = value { return (key, id) }
                    return nil
                }
            } else if case .object(let pairs) = json["id2label"] {
                ordered = pairs.compactMap { key, value in
                    if case .string(let label) = value, let id = Int(key) { return (label, id) }
                    return nil
                }
            }
        }
        return ordered.first { $0.0.lowercased().hasPrefix("entail") }?.1 ?? -1
    }
}

extension TokenSequence {
    init(encoding: Encoding) {
        self.init(ids: encoding.ids, typeIds: encoding.typeIds)
    }
}
