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

extension TokenSequence {
    init(encoding: Encoding) {
        self.init(ids: encoding.ids, typeIds: encoding.typeIds)
    }
}

/// One input made ready for the model on the request's side: its token sequences (one for most
/// tasks; one per candidate label for zero-shot, one per text for ranking, one per window for
/// question answering), the rows its task reads, and what the task's `finish` needs. Only
/// `Pipeline.forward` touches the model.
public struct PreparedInput: Sendable {
    /// The sequences this input costs the model.
    public let sequences: [TokenSequence]
    /// Tokens the model computes for this input, all sequences together (the scheduler's token
    /// budget counts these).
    public var tokenCount: Int { sequences.reduce(0) { $0 + $1.ids.count } }
    let rows: RowSelection
    let request: any Sendable
    /// The task that prepared this input and finishes it.
    let answering: any TaskPipeline
}

/// What the model computed for one prepared input: for each of its sequences, the rows its task
/// asked for, one after another, each `width` values wide (the head's outputs, or the
/// encoder's last hidden state for a task without a head).
public struct ModelOutput: Sendable {
    /// Per sequence, `[rows, width]`.
    public let rows: [[Float]]
    /// Values per row.
    public let width: Int
}

/// A task on a loaded model: `prepare` and `finish` run on the request's side, `forward` on the
/// inference thread over a ragged batch of any mix of prepared inputs. The task's own type
/// (`TaskPipeline`) decides everything task-specific; this type only loads and runs the model.
public final class Pipeline: Sendable {
    /// The task served.
    public let task: PipelineTask
    /// The model folder.
    public var folder: ModelFolder { context.folder }
    /// The model's configuration.
    public var config: EncoderConfig { context.config }
    /// The tokenizer, set up as transformers sets it up for the task.
    public var tokenizer: PretrainedTokenizer { context.tokenizer }
    /// The longest input in tokens (special tokens included) that the model accepts.
    public var maxInputTokens: Int { context.maxInputTokens }
    /// The model, tokenizer and limits, as the task set them up.
    var context: PipelineContext { implementation.context }
    /// How the model's dense layers hold their weights (`f32`, `bf16`, `int8`).
    public var denseWeights: DenseWeightFormat { model.denseWeights }
    let model: EncoderModel
    let head: (any EncoderHead)?
    /// The served task first, then every other task the same model and head answer (see
    /// `tasks`).
    let implementations: [any TaskPipeline]
    /// The served task's implementation.
    var implementation: any TaskPipeline { implementations[0] }
    /// All-zero token types when the tokenizer returns none (transformers then passes no
    /// `token_type_ids`): RoBERTa-style checkpoints, and tokenizers whose class says so.
    let zeroTypeIds: Bool

    /// Loads the folder for `task`, or for the task the folder implies, its dense layers
    /// holding their weights as `denseWeights` says (f32: the checkpoint's values), the model
    /// computing on `runtime`.
    public init(
        folder: ModelFolder, task requested: PipelineTask? = nil, denseWeights: DenseWeightFormat = .f32,
        runtime: ComputeRuntime
    ) throws {
        let model: EncoderModel
        do {
            model = try EncoderModel(folder: folder, denseWeights: denseWeights, runtime: runtime)
        } catch let error as ModelError {
            throw PipelineError.load(error.description)
        }
        self.model = model
        let config = model.config
        let task = try requested ?? PipelineTask.infer(folder: folder, config: config)
        self.task = task
        let tokenizer: PretrainedTokenizer
        do { tokenizer = try PretrainedTokenizer(folder: folder.url, modelType: config.modelType) } catch {
            throw PipelineError.load("\(error)")
        }
        zeroTypeIds =
            config.family.ignoresTokenizerTypeIds || !tokenizer.returnsTokenTypeIds
        let context = PipelineContext(
            folder: folder, config: config, tokenizer: tokenizer,
            maxInputTokens: config.maxSequenceLength,
            labels: (0..<config.numLabels).map { config.id2label[$0] ?? "LABEL_\($0)" }, runtime: runtime)
        let implementation = task.implementation
        implementations =
            [try implementation.init(context: context)] + Self.otherTasks(of: task, context: context)
        if let kind = implementation.head {
            do { head = try model.loadHead(kind) } catch let error as ModelError {
                throw PipelineError.load(error.description)
            }
        } else {
            head = nil
        }
    }

    /// Every task this pipeline answers: the served one first, then those that read the same
    /// head (or none) from the same model: a sentence-transformers folder also gives its token
    /// vectors (feature extraction), a classifier also ranks, a masked-LM head also gives
    /// sparse (SPLADE) embeddings. What an API dialect's routes may ask of the served model.
    public var tasks: [PipelineTask] { implementations.map { type(of: $0).task } }

    /// Tasks other than `served` that run on the same head, set up on `context`; a task that
    /// cannot serve this model (its `init` refuses it) is left out.
    private static func otherTasks(of served: PipelineTask, context: PipelineContext) -> [any TaskPipeline] {
        let head = served.implementation.head
        return PipelineTask.registered.compactMap { type -> (any TaskPipeline)? in
            guard type.task != served, type.head == head else { return nil }
            return try? type.init(context: context)
        }
    }

    /// The implementation of `task`, or a validation error naming the tasks this model answers.
    private func implementation(of task: PipelineTask) throws -> any TaskPipeline {
        guard let found = implementations.first(where: { type(of: $0).task == task }) else {
            throw PipelineError.validation(
                "this model does not answer \(task.rawValue) (it answers \(tasks.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        return found
    }

    /// The inputs of one Inference API request (its `inputs` and `parameters`), as the served
    /// task reads them: one input answered alone, or a list answered as a list.
    public func items(of inputs: JSONValue, parameters: TaskParameters) throws -> InputItems {
        try implementation.items(of: inputs, parameters: parameters)
    }

    /// The inputs of one request as `task`, one of `tasks`, reads them.
    public func items(
        of inputs: JSONValue, parameters: TaskParameters, task: PipelineTask
    ) throws -> InputItems {
        try implementation(of: task).items(of: inputs, parameters: parameters)
    }

    /// Prepares the inputs of one request for the served task (all fail as one if any is
    /// unusable); `asList` when the request sent a list.
    public func prepare(
        _ inputs: [JSONValue], asList: Bool, parameters: TaskParameters
    ) throws -> [PreparedInput] {
        try prepare(inputs, asList: asList, parameters: parameters, answering: implementation)
    }

    /// Prepares the inputs of one request for `task`, one of `tasks`.
    public func prepare(
        _ inputs: [JSONValue], asList: Bool, parameters: TaskParameters, task: PipelineTask
    ) throws -> [PreparedInput] {
        try prepare(inputs, asList: asList, parameters: parameters, answering: try implementation(of: task))
    }

    private func prepare(
        _ inputs: [JSONValue], asList: Bool, parameters: TaskParameters, answering: any TaskPipeline
    ) throws -> [PreparedInput] {
        try checkNames(of: parameters, for: answering)
        return try inputs.map { try answering.prepared($0, parameters: parameters, asListItem: asList) }
    }

    /// Tokenizes one text and checks the task's parameters (`parameters` is the JSON object of
    /// the Hugging Face Inference API, or nil). For tasks whose input is structured (question
    /// answering, ranking) use `prepare(input:parameters:)`.
    public func prepare(_ text: String, parameters: JSONValue? = nil) throws -> PreparedInput {
        try prepare(input: .string(text), parameters: parameters)
    }

    /// Prepares one input in the shape the Hugging Face Inference API sends for the task, to be
    /// answered alone: a string; `{"text", "text_pair"}` (text classification);
    /// `{"question", "context"}` (question answering); `{"query", "texts"}` or
    /// `{"source_sentence", "sentences"}` (ranking, and similarity for sentence embeddings).
    public func prepare(input: JSONValue, parameters: JSONValue?) throws -> PreparedInput {
        let items = try InputItems(items: [input], isList: false)
        return try prepare(items.items, asList: false, parameters: try TaskParameters(parameters))[0]
    }

    /// Runs the model over one ragged batch holding every sequence of every input, and hands
    /// each input the rows its task reads. This is the only model compute; the scheduler calls
    /// it on the inference thread.
    public func forward(_ inputs: [PreparedInput]) throws -> [ModelOutput] {
        var batch = RaggedBatch()
        for input in inputs {
            for sequence in input.sequences {
                let types = zeroTypeIds ? Array(repeating: 0, count: sequence.ids.count) : sequence.typeIds
                batch.append(ids: sequence.ids, typeIds: types)
            }
        }
        // Every row each input reads, as batch rows, in order; the encoder keeps only those
        // through its last layer's work when no input reads them all. Each answer row is one
        // of them, or the mean of a sequence's (`pooled` by a mean-pooling head).
        let padTokenId = config.padTokenId
        var wanted: [Int] = []
        var answers: [Range<Int>] = []
        var counts: [[Int]] = []
        var everyRow = false
        var sequence = 0
        func answer(_ rows: some Sequence<Int>) {
            let start = wanted.count
            wanted += rows
            answers.append(start..<wanted.count)
        }
        for input in inputs {
            var perSequence: [Int] = []
            for index in input.sequences.indices {
                let range = batch.sequences[sequence + index]
                switch input.rows {
                case .every:
                    everyRow = true
                    for row in range { answer(CollectionOfOne(row)) }
                    perSequence.append(range.count)
                case .positions(let positions):
                    for position in positions[index] { answer(CollectionOfOne(range.lowerBound + position)) }
                    perSequence.append(positions[index].count)
                case .pooled:
                    switch head?.pooling {
                    case .mean: answer(range)
                    case .last:
                        let ids = input.sequences[index].ids
                        answer(
                            CollectionOfOne(
                                range.lowerBound + SequencePooling.lastRow(ids, padTokenId: padTokenId)))
                    default: answer(CollectionOfOne(range.lowerBound))
                    }
                    perSequence.append(1)
                }
            }
            sequence += input.sequences.count
            counts.append(perSequence)
        }
        var hidden = everyRow ? try model.forward(batch) : try model.forward(batch, keeping: wanted)
        // The rows of `hidden` in `wanted`'s order: all of them, or those it kept, in order.
        var picked = everyRow ? wanted : Array(wanted.indices)
        if answers.count < wanted.count {
            // Each answer's rows are one run of `hidden`'s.
            let runs = answers.map {
                $0.isEmpty ? 0..<0 : picked[$0.lowerBound]..<(picked[$0.upperBound - 1] + 1)
            }
            hidden = hidden.meanPooled(runs)
            picked = Array(answers.indices)
        }
        let values: [Float]
        let width: Int
        if let head {
            values = head.logits(hidden, rows: picked)
            width = head.outputWidth
        } else if everyRow && !picked.elementsEqual(0..<hidden.tokenCount) {
            width = hidden.hidden
            values = hidden.values.withUnsafeBufferPointer { all in
                var out = [Float]()
                out.reserveCapacity(picked.count * width)
                for row in picked { out += all[(row * width)..<((row + 1) * width)] }
                return out
            }
        } else {
            values = hidden.values
            width = hidden.hidden
        }
        // A checkpoint holding NaN, or activations that overflow, must not reach a client as
        // numbers (or as JSON's NaN): the batch fails, its requests get 500, the thread lives on.
        guard values.withUnsafeBufferPointer({ allFinite($0) }) else {
            throw PipelineError(
                .internal, "the model computed NaN or infinity for a batch of \(inputs.count) inputs")
        }
        var start = 0
        return counts.map { perSequence in
            ModelOutput(
                rows: perSequence.map { count in
                    defer { start += count }
                    return Array(values[(start * width)..<((start + count) * width)])
                }, width: width)
        }
    }

    /// Turns the model's output for one input into the pipeline's JSON answer.
    public func finish(_ input: PreparedInput, _ output: ModelOutput) throws -> JSONValue {
        try input.answering.finished(input, output)
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

    /// Refuses any parameter the task does not take.
    private func checkNames(of parameters: TaskParameters, for answering: any TaskPipeline) throws {
        let allowed = answering.parameterNames
        for (key, _) in parameters.values?.objectMembers ?? [] where !allowed.contains(key) {
            let names = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
            throw PipelineError.validation(
                "unknown parameter \"\(key)\" for \(type(of: answering).task.rawValue) (accepted: \(names))")
        }
    }
}

extension TaskPipeline {
    /// `parameterNames` through an existential.
    var parameterNames: Set<String> { Self.definition.parameters }
}
