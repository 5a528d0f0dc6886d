import Foundation
import SluiceModels
import SluiceTokenizers

/// One input made ready for the model on the request's side: its tokens and what the
/// post-processing needs. Only `Pipeline.forward` touches the model.
public struct PreparedInput: Sendable {
    /// Token ids, with the special tokens.
    public let ids: [Int]
    /// Token type ids.
    public let typeIds: [Int]
    /// Tokens the model computes for this input (the scheduler's token budget counts these).
    public var tokenCount: Int { ids.count }
    let options: TaskOptions
}

/// Per-task settings of one prepared input.
enum TaskOptions: Sendable {
    case fillMask(FillMaskOptions)
    case featureExtraction
    case sentenceEmbedding
}

/// What the model computed for one input.
public enum ModelOutput: Sendable {
    /// Vocabulary logits at the input's mask positions, `[masks, vocab]`.
    case maskLogits([Float])
    /// The encoder's last hidden state for the input's tokens, `[tokens, hidden]`.
    case hiddenStates([Float])
}

/// A task on a loaded model: `prepare` and `finish` run on the request's side, `forward` on
/// the inference thread over a ragged batch of any mix of prepared inputs.
public final class Pipeline: Sendable {
    /// The task served.
    public let task: PipelineTask
    /// The model folder.
    public let folder: ModelFolder
    /// The model's configuration.
    public let config: BertConfig
    /// The tokenizer, set up as transformers sets it up.
    public let tokenizer: PipelineTokenizer
    /// The longest input in tokens (special tokens included) that the model accepts.
    public let maxInputTokens: Int
    let encoder: BertModel
    let maskedLMHead: BertMaskedLMHead?
    let sentence: SentenceTransformerModules?

    /// Loads the folder for `task`, or for the task the folder implies.
    public init(folder: ModelFolder, task requested: PipelineTask? = nil) throws {
        self.folder = folder
        let config = try BertConfig(contentsOf: folder.file("config.json"))
        guard config.modelType == "bert" || config.modelType.isEmpty else {
            throw PipelineError.load(
                "model_type \"\(config.modelType)\" in \(folder.file("config.json").path) is not supported (supported: bert)"
            )
        }
        self.config = config
        let task = try requested ?? PipelineTask.infer(folder: folder, config: config)
        self.task = task
        var tokenizer = try PipelineTokenizer(folder: folder)
        let weights = try WeightStore(files: folder.weightFiles())
        encoder = try BertModel(weights: weights, config: config)
        var maxTokens = config.maxPositionEmbeddings
        switch task {
        case .fillMask:
            guard tokenizer.maskTokenId != nil else {
                throw PipelineError.load("the tokenizer in \(folder.url.path) defines no mask_token")
            }
            maskedLMHead = try BertMaskedLMHead(weights: weights, config: config)
            sentence = nil
        case .featureExtraction:
            maskedLMHead = nil
            sentence = nil
        case .sentenceEmbeddings:
            maskedLMHead = nil
            let modules = try SentenceTransformerModules(folder: folder, config: config)
            let limit = min(modules.maxSeqLength ?? maxTokens, maxTokens)
            tokenizer = tokenizer.truncating(to: limit)
            maxTokens = limit
            sentence = modules
        }
        self.tokenizer = tokenizer
        maxInputTokens = maxTokens
    }

    /// Tokenizes one text and checks the task's parameters (`parameters` is the JSON object of
    /// the Hugging Face Inference API, or nil).
    public func prepare(_ text: String, parameters: JSONValue? = nil) throws -> PreparedInput {
        let options: TaskOptions
        switch task {
        case .fillMask: options = .fillMask(try FillMaskOptions(parameters, pipeline: self))
        case .featureExtraction:
            try checkParameters(parameters, allowed: [])
            options = .featureExtraction
        case .sentenceEmbeddings:
            try checkParameters(parameters, allowed: [])
            options = .sentenceEmbedding
        }
        guard !text.isEmpty else { throw PipelineError.validation("the input text is empty") }
        let encoding: Encoding
        let source = sentence?.lowercase == true ? text.lowercased() : text
        do { encoding = try tokenizer.tokenizer.encode(source) } catch {
            throw PipelineError.validation("cannot tokenize the input: \(error)")
        }
        guard encoding.ids.count <= maxInputTokens else {
            throw PipelineError.validation(
                "the input is \(encoding.ids.count) tokens long; this model takes at most \(maxInputTokens)")
        }
        let prepared = PreparedInput(ids: encoding.ids, typeIds: encoding.typeIds, options: options)
        if case .fillMask = options, maskPositions(prepared).isEmpty {
            throw PipelineError.validation("No mask_token (\(tokenizer.maskToken ?? "")) found on the input")
        }
        return prepared
    }

    /// Runs the model over a ragged batch of prepared inputs, one output each. This is the only
    /// model compute; the scheduler calls it on the inference thread.
    public func forward(_ inputs: [PreparedInput]) throws -> [ModelOutput] {
        var batch = RaggedBatch()
        for input in inputs { batch.append(ids: input.ids, typeIds: input.typeIds) }
        let hidden = try encoder.forward(batch)
        switch task {
        case .fillMask:
            guard let head = maskedLMHead else { throw PipelineError(.internal, "no masked-LM head loaded") }
            var rows: [Int] = []
            var counts: [Int] = []
            for (input, sequence) in zip(inputs, batch.sequences) {
                let positions = maskPositions(input)
                rows += positions.map { sequence.lowerBound + $0 }
                counts.append(positions.count)
            }
            let logits = head.logits(hidden, rows: rows)
            let v = config.vocabSize
            var start = 0
            return counts.map { count in
                defer { start += count }
                return .maskLogits(Array(logits[(start * v)..<((start + count) * v)]))
            }
        case .featureExtraction, .sentenceEmbeddings:
            let h = config.hiddenSize
            return batch.sequences.map {
                .hiddenStates(Array(hidden.values[($0.lowerBound * h)..<($0.upperBound * h)]))
            }
        }
    }

    /// Turns the model's output for one input into the pipeline's JSON output.
    public func finish(_ input: PreparedInput, _ output: ModelOutput) throws -> JSONValue {
        switch (input.options, output) {
        case (.fillMask(let options), .maskLogits(let logits)):
            return fillMaskOutput(input, logits: logits, options: options)
        case (.featureExtraction, .hiddenStates(let states)):
            let h = config.hiddenSize
            let rows = (0..<(states.count / h)).map { r in
                JSONValue.array(states[(r * h)..<((r + 1) * h)].map { .number(Double($0)) })
            }
            return .array([.array(rows)])
        case (.sentenceEmbedding, .hiddenStates(let states)):
            guard let sentence else {
                throw PipelineError(.internal, "no sentence-transformers modules loaded")
            }
            return .array(sentence.embed(states, hidden: config.hiddenSize).map { .number(Double($0)) })
        default:
            throw PipelineError(.internal, "model output does not match the task")
        }
    }

    /// Prepares, computes as one batch and finishes `texts`: what `sluice predict` does.
    public func run(_ texts: [String], parameters: JSONValue? = nil) throws -> [JSONValue] {
        let prepared = try texts.map { try prepare($0, parameters: parameters) }
        let outputs = try forward(prepared)
        return try zip(prepared, outputs).map { try finish($0, $1) }
    }

    func maskPositions(_ input: PreparedInput) -> [Int] {
        guard let mask = tokenizer.maskTokenId else { return [] }
        return input.ids.indices.filter { input.ids[$0] == mask }
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
}
