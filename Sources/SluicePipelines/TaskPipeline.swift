import SluiceJSON
import SluiceModels
import SluiceTensors
import SluiceTokenizers

/// One task of transformers' pipelines, in one file, as transformers writes one class per task
/// (`preprocess`, `_forward`, `postprocess`): it reads its parameters, turns an input into the
/// token sequences the model computes and the rows its head reads, and builds the answer.
/// Nothing outside a task's file asks which task runs: `Pipeline` loads the model, batches any
/// mix of prepared inputs through one task-agnostic forward pass, and hands each input its rows.
///
/// Adding a task is one file with a type conforming to this protocol and one line in
/// `PipelineTask.registered`.
protocol TaskPipeline: Sendable {
    /// What `finish` needs of one prepared input, besides the model's rows.
    associatedtype Request: Sendable

    /// What the task is: its name, parameters, head and checkpoint classes.
    static var definition: TaskDefinition { get }
    /// Whether a folder implies this task when none is asked for (`PipelineTask.infer` asks the
    /// registered tasks in order); by default, when the checkpoint declares the task's head.
    static func isImplied(by folder: ModelFolder, config: EncoderConfig) -> Bool

    /// The model, tokenizer and limits the task runs on.
    var context: PipelineContext { get }

    /// Sets the task up on a loaded model, refusing a model it cannot serve; the task's
    /// `context` may differ from the one given (a sentence-transformers folder truncates its
    /// tokenizer).
    init(context: PipelineContext) throws

    /// The inputs of one Inference API request (`inputs`): one input, answered alone, or a list,
    /// answered as a list.
    func items(of inputs: JSONValue, parameters: TaskParameters) throws -> InputItems

    /// Prepares one input; `asListItem` when it came as one item of a list (some tasks answer a
    /// list item in another shape than a lone input).
    func prepare(
        _ input: JSONValue, parameters: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<Request>

    /// The answer for one input from the rows its `TaskInput` asked for.
    func finish(_ request: Request, _ output: ModelOutput) throws -> JSONValue
}

/// What a task is, apart from how it computes: written once at the top of its type.
struct TaskDefinition: Sendable {
    /// The task's name and the other names transformers and the Inference API give it.
    let task: PipelineTask
    /// Names of the parameters the task accepts; any other is a validation error.
    let parameters: Set<String>
    /// The head the task reads, or nil for the encoder's hidden states.
    let head: HeadKind?
    /// The end of the checkpoint class names (`architectures`) whose head this task reads, as
    /// `ForMaskedLM`; nil for a task no checkpoint class declares.
    var architectureSuffix: String? = nil
}

/// The inputs of one request and whether its answer is a list.
public struct InputItems: Sendable, Equatable {
    /// Each input, in order.
    public let items: [JSONValue]
    /// Whether the request sent a list (and so gets a list back).
    public let isList: Bool

    /// The inputs of a request, refusing an empty text: the one place that checks it, for raw
    /// bodies and JSON alike.
    public init(items: [JSONValue], isList: Bool) throws {
        if let index = items.firstIndex(of: .string("")) {
            throw PipelineError.validation(isList ? "input \(index) is empty" : "the input is empty")
        }
        self.items = items
        self.isList = isList
    }

    /// The Inference API's `inputs`: a string or an object is one input; a list of them is a list.
    public static func splitting(_ inputs: JSONValue) throws -> InputItems {
        switch inputs {
        case .string, .object:
            return try InputItems(items: [inputs], isList: false)
        case .array(let items):
            guard !items.isEmpty else { throw PipelineError.validation("\"inputs\" is an empty list") }
            if let index = items.firstIndex(where: { !isInput($0) }) {
                throw PipelineError.validation("\"inputs\"[\(index)] must be a string or an object")
            }
            return try InputItems(items: items, isList: true)
        default:
            throw PipelineError.validation("\"inputs\" must be a string, an object, or a list of them")
        }
    }

    private static func isInput(_ value: JSONValue) -> Bool {
        switch value {
        case .string, .object: return true
        default: return false
        }
    }
}

/// Which rows of each of an input's sequences the task reads.
enum RowSelection: Sendable {
    /// Every token row.
    case every
    /// These positions of each sequence, in order (one list per sequence).
    case positions([[Int]])
    /// One row per sequence, as the head reads a whole sequence (`EncoderHead.pooling`): its
    /// first token, its last non-padding token, or the mean of its rows.
    case pooled
}

/// One input as a task prepared it: the sequences to compute, the rows to read back, and what
/// `finish` needs.
struct TaskInput<Request: Sendable>: Sendable {
    var sequences: [TokenSequence]
    var rows: RowSelection
    var request: Request
}

/// What a task runs on: the model's folder and configuration, its tokenizer as the task set it
/// up, the length limit and the class names.
struct PipelineContext: Sendable {
    /// The model folder.
    let folder: ModelFolder
    /// The model's configuration.
    let config: EncoderConfig
    /// The tokenizer, set up as transformers sets it up for the task.
    var tokenizer: PretrainedTokenizer
    /// The longest input in tokens (special tokens included) that the model accepts.
    var maxInputTokens: Int
    /// Class names by index: `id2label`, or `LABEL_i` where the config names none.
    let labels: [String]
    /// Where the model computes (sentence-transformers' Dense modules compute there too).
    let runtime: ComputeRuntime

    /// Encodes a text (or pair) with `tokenizer`, checking the model's length limit.
    func encode(_ text: String, pair: String? = nil, with tokenizer: Tokenizer? = nil) throws -> TokenSequence
    {
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

    /// Encodes a text (or pair) as the request's `truncation` asks: cut to `maxInputTokens`
    /// from its end, or refused when longer; with no request, as `encode` does.
    func encoding(
        _ text: String, pair: String? = nil, truncation: RequestTruncation?, with tokenizer: Tokenizer? = nil
    ) throws -> Encoding {
        guard let truncation else { return try encoding(text, pair: pair, with: tokenizer) }
        var own = tokenizer ?? self.tokenizer.tokenizer
        own.truncation =
            truncation.truncate
            ? TruncationParameters(maxLength: maxInputTokens, direction: truncation.direction) : nil
        return try encoding(text, pair: pair, with: own)
    }

    /// One sequence from an input that is a text or a list of token ids (see
    /// `sequence(ids:truncation:)`), under the request's `truncate` and `truncation_direction`.
    func sequence(
        _ input: JSONValue, of task: PipelineTask, parameters: TaskParameters
    ) throws -> TokenSequence {
        let truncation = try parameters.requestTruncation()
        if let ids = input.tokenIds { return try sequence(ids: ids, truncation: truncation) }
        return TokenSequence(encoding: try encoding(try input.requireText(task), truncation: truncation))
    }

    /// A sequence of token ids the client sent instead of a text, used as they are (special
    /// tokens are the client's to include): cut to `maxInputTokens` as `truncation` asks, or
    /// refused when longer; an id outside the vocabulary is refused.
    func sequence(ids: [Int], truncation: RequestTruncation?) throws -> TokenSequence {
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw PipelineError.validation(
                "token id \(bad) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        var kept = ids
        if let truncation, truncation.truncate, kept.count > maxInputTokens {
            kept =
                truncation.direction == .right
                ? Array(kept.prefix(maxInputTokens)) : Array(kept.suffix(maxInputTokens))
        }
        try checkLength(kept.count)
        return TokenSequence(ids: kept, typeIds: Array(repeating: 0, count: kept.count))
    }

    /// Refuses a sequence longer than the model takes.
    func checkLength(_ count: Int) throws {
        guard count <= maxInputTokens else {
            throw PipelineError.validation(
                "the input is \(count) tokens long; this model takes at most \(maxInputTokens)")
        }
    }
}

extension TaskPipeline {
    static var task: PipelineTask { definition.task }
    static var head: HeadKind? { definition.head }

    static func isImplied(by folder: ModelFolder, config: EncoderConfig) -> Bool {
        definition.architectureSuffix != nil && PipelineTask.declaredHead(of: config) == task
    }

    func items(of inputs: JSONValue, parameters: TaskParameters) throws -> InputItems {
        try InputItems.splitting(inputs)
    }

    // The task and the context's parts under their own names, so that a task reads as
    // transformers' does.
    var task: PipelineTask { Self.task }
    var config: EncoderConfig { context.config }
    var tokenizer: PretrainedTokenizer { context.tokenizer }
    var labels: [String] { context.labels }
    var maxInputTokens: Int { context.maxInputTokens }

    func encode(_ text: String, pair: String? = nil, with tokenizer: Tokenizer? = nil) throws -> TokenSequence
    {
        try context.encode(text, pair: pair, with: tokenizer)
    }

    func encoding(_ text: String, pair: String? = nil, with tokenizer: Tokenizer? = nil) throws -> Encoding {
        try context.encoding(text, pair: pair, with: tokenizer)
    }

    func checkLength(_ count: Int) throws { try context.checkLength(count) }

    /// One input made ready, its task's request kept type-erased for the batch.
    /// A sequence of no tokens (a text the normalizer empties, with a tokenizer that adds no
    /// special tokens) is refused here: the model cannot compute it.
    func prepared(_ input: JSONValue, parameters: TaskParameters, asListItem: Bool) throws -> PreparedInput {
        let prepared = try prepare(input, parameters: parameters, asListItem: asListItem)
        if prepared.sequences.contains(where: { $0.ids.isEmpty }) {
            throw PipelineError.validation("the input has no tokens once normalized")
        }
        return PreparedInput(
            sequences: prepared.sequences, rows: prepared.rows, request: prepared.request, answering: self)
    }

    /// `finish` for a request that comes type-erased from a `PreparedInput`.
    func finished(_ input: PreparedInput, _ output: ModelOutput) throws -> JSONValue {
        guard let request = input.request as? Request else {
            throw PipelineError(.internal, "a prepared input of another task reached \(Self.task.rawValue)")
        }
        return try finish(request, output)
    }
}

/// A task that reads every token row of one sequence per input: a text, or a list of token ids
/// used as they are, under the request's `truncate` and `truncation_direction`.
protocol EveryTokenTask: TaskPipeline where Request == Void {}

extension EveryTokenTask {
    func prepare(_ input: JSONValue, parameters: TaskParameters, asListItem: Bool) throws -> TaskInput<Void> {
        TaskInput(
            sequences: [try context.sequence(input, of: Self.task, parameters: parameters)], rows: .every,
            request: ())
    }
}
