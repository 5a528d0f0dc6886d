import SluiceJSON
import SluicePipelines

/// What the server needs from a pipeline: the light work (`prepare`, `finish`) that runs on each
/// request's task, and the model compute (`forward`) that only the scheduler's inference thread
/// runs, over a batch of prepared inputs from any number of requests.
///
/// `SluicePipelines.Pipeline` conforms (see `Pipeline+Servable.swift`); tests use fakes.
public protocol ServablePipeline: Sendable {
    /// One input made ready for the model: tokens and whatever `finish` needs.
    associatedtype Prepared: Sendable
    /// What `forward` computes for one prepared input.
    associatedtype Output: Sendable

    /// The task served, by its `transformers.pipeline` name (`fill-mask`, …).
    var taskName: String { get }
    /// The model class the checkpoint declares (`BertForMaskedLM`, …), if it declares one.
    var architecture: String? { get }
    /// The longest input, in tokens with the special tokens, that the model accepts.
    var maxInputTokens: Int { get }
    /// How the model holds its dense-layer weights (`f32`, `bf16`, `int8`, `int8-dynamic`), for `/info`.
    var weightFormat: String { get }

    /// Every task this pipeline answers, by name, the served one (`taskName`) first.
    var taskNames: [String] { get }

    /// The inputs of one Inference API request (its `inputs` and `parameters`), as the task reads
    /// them: one input answered alone, or a list answered as a list. Throws `PipelineError`
    /// (`.validation` for a shape the task does not take).
    func items(of inputs: JSONValue, parameters: TaskParameters) throws -> InputItems
    /// `prepare` for `task`, one of `taskNames` (nil: the served task); a validation error for
    /// a task the pipeline does not answer.
    func prepare(
        _ inputs: [JSONValue], asList: Bool, parameters: TaskParameters, task: String?
    ) throws -> [Prepared]
    /// Prepares a request's inputs (a string, or an object for tasks with structured inputs such
    /// as `{"question", "context"}`) and checks `parameters` against the task, all
    /// failing as one if any is unusable; `asList` when the request sent a list. Throws
    /// `PipelineError` (`.validation` for unusable input) or any other error (internal).
    func prepare(_ inputs: [JSONValue], asList: Bool, parameters: TaskParameters) throws -> [Prepared]
    /// The real tokens `prepared` costs in a batch (counted against `--max-batch-tokens`).
    func tokenCount(of prepared: Prepared) -> Int
    /// Computes one output per input, in order. Called only on the inference thread.
    func forward(_ batch: [Prepared]) throws -> [Output]
    /// Turns one input's output into the pipeline's JSON answer for that input (in the shape of
    /// a list item when it was prepared as one).
    func finish(_ prepared: Prepared, _ output: Output) throws -> JSONValue

    /// Class names by index, for a model with a classification head.
    var labels: [String] { get }
    /// sentence-transformers prompts by name.
    var prompts: [String: String] { get }
    /// How pooled embeddings pool their tokens (TEI's `/info`), nil without pooled embeddings.
    var poolingName: String? { get }
    /// The tokens of a text with their byte ranges (TEI's `/tokenize`); throws `PipelineError`.
    func tokenSpans(of text: String, addSpecialTokens: Bool) throws -> [TokenSpan]
    /// Token ids back to text (TEI's `/decode`); throws `PipelineError`.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) throws -> String
}

extension ServablePipeline {
    /// The checkpoint's own f32 weights, unless the pipeline says otherwise.
    public var weightFormat: String { "f32" }

    /// The Inference API's reading of `inputs`, for a pipeline with no task of its own to ask.
    public func items(of inputs: JSONValue, parameters: TaskParameters) throws -> InputItems {
        try InputItems.splitting(inputs)
    }

    /// The served task alone.
    public var taskNames: [String] { [taskName] }

    public var labels: [String] { [] }
    public var prompts: [String: String] { [:] }
    public var poolingName: String? { nil }

    /// No tokenizer of its own to show.
    public func tokenSpans(of text: String, addSpecialTokens: Bool) throws -> [TokenSpan] {
        throw PipelineError(.validation, "this model has no tokenizer to show")
    }

    /// No tokenizer of its own to decode with.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) throws -> String {
        throw PipelineError(.validation, "this model has no tokenizer to decode with")
    }

    /// The served task alone: any other is refused.
    public func prepare(
        _ inputs: [JSONValue], asList: Bool, parameters: TaskParameters, task: String?
    ) throws -> [Prepared] {
        guard task == nil || task == taskName else {
            throw PipelineError(.validation, "this model does not answer \(task!) (it answers \(taskName))")
        }
        return try prepare(inputs, asList: asList, parameters: parameters)
    }
}
