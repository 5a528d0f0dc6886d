import Foundation
import SluiceJSON
import SluiceModels
import SluiceTokenizers

extension PipelineTask {
    /// Labels for a text or a text pair (`*ForSequenceClassification`).
    public static let textClassification = PipelineTask(
        "text-classification", aliases: ["sentiment-analysis"])
}

/// `ClassificationFunction`: what turns a classifier's logits into scores.
enum ClassificationFunction: String, Sendable {
    case sigmoid
    case softmax
    case none

    /// The function applied to a row of logits, in f32 as numpy computes it.
    func apply(_ logits: ArraySlice<Float>) -> [Float] {
        switch self {
        case .sigmoid: return logits.map { 1 / (1 + expf(-$0)) }
        case .softmax: return softmaxRow(logits)
        case .none: return Array(logits)
        }
    }
}

/// One `text-classification` request: `TextClassificationPipeline._sanitize_parameters` and
/// what `postprocess` needs.
struct TextClassificationRequest: Sendable {
    var function: ClassificationFunction
    /// nil: every label.
    var topK: Int?
    /// No `top_k` parameter: the pipeline's legacy answer, the best label alone.
    var legacy: Bool
    /// A lone plain string: a legacy answer comes wrapped in a list (a list item's does not).
    var wrapped: Bool
}

/// transformers' `TextClassificationPipeline`: the classification head on the first token,
/// scored by `function_to_apply`.
struct TextClassificationPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .textClassification,
        parameters: Set(["top_k", "function_to_apply", "truncation", "max_length"]).union(
            RequestTruncation.parameterNames),
        head: .sequenceClassification, architectureSuffix: "ForSequenceClassification")
    let context: PipelineContext

    /// `TextClassificationPipeline.preprocess`: a string, or `{"text", "text_pair"}`, tokenized
    /// with the tokenizer arguments the pipeline forwards (`truncation`, `max_length`); without
    /// truncation an input longer than the model is refused.
    func prepare(
        _ input: JSONValue, parameters p: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<TextClassificationRequest> {
        var function = config.defaultClassificationFunction
        if let name = try p.string("function_to_apply") {
            guard let chosen = ClassificationFunction(rawValue: name.lowercased()) else {
                throw PipelineError.validation(
                    "function_to_apply must be one of sigmoid, softmax, none (got \"\(name)\")")
            }
            function = chosen
        }
        let request = TextClassificationRequest(
            function: function, topK: try p.nonNegativeInt("top_k"), legacy: !p.has("top_k"),
            wrapped: !asListItem && input.stringValue != nil)
        let text: String
        let pair: String?
        switch input {
        case .string(let string):
            text = string
            pair = nil
        case .object:
            let shape = #"{"text": ..., "text_pair": ...}"#
            text = try input.stringField("text", in: shape)
            pair = input.has("text_pair") ? try input.stringField("text_pair", in: shape) : nil
        default:
            throw PipelineError.validation(
                #"text-classification takes a string, or {"text": ..., "text_pair": ...} for a text pair"#)
        }
        if let truncation = try p.requestTruncation() {
            // TEI's `truncate`: to the model's limit, from the end it names.
            let encoding = try context.encoding(text, pair: pair, truncation: truncation)
            return TaskInput(sequences: [TokenSequence(encoding: encoding)], rows: .pooled, request: request)
        }
        var tokenizer = self.tokenizer.tokenizer
        tokenizer.truncation = try requestedTruncation(p)
        guard !text.isEmpty else { throw PipelineError.validation("the input text is empty") }
        let encoding: Encoding
        do { encoding = try tokenizer.encode(text, pair: pair) } catch {
            throw PipelineError.validation("cannot tokenize the input: \(error)")
        }
        guard encoding.ids.count <= maxInputTokens else {
            throw PipelineError.validation(
                "the input is \(encoding.ids.count) tokens long; this model takes at most \(maxInputTokens) "
                    + #"(the parameter "truncation": true cuts it to the tokenizer's model_max_length)"#)
        }
        return TaskInput(
            sequences: [TokenSequence(encoding: encoding)], rows: .pooled, request: request)
    }

    /// transformers' `_get_padding_truncation_strategies` for `truncation` and `max_length`:
    /// `true` or `"longest_first"`, `"only_first"`, `"only_second"` truncate to `max_length`,
    /// else `model_max_length`; `false` or `"do_not_truncate"` do not; a `max_length` alone
    /// truncates longest first.
    private func requestedTruncation(_ p: TaskParameters) throws -> TruncationParameters? {
        let maxLength = try p.positiveInt("max_length")
        var strategy: TruncationParameters.Strategy?
        switch p.values?["truncation"] {
        case nil, .null?:
            strategy = maxLength == nil ? nil : .longestFirst
        case .bool(let on)?:
            strategy = on ? .longestFirst : nil
        case .string(let name)?:
            switch name {
            case "longest_first": strategy = .longestFirst
            case "only_first": strategy = .onlyFirst
            case "only_second": strategy = .onlySecond
            case "do_not_truncate": strategy = nil
            default:
                throw PipelineError.validation(
                    "truncation must be true, false, \"longest_first\", \"only_first\", \"only_second\" or \"do_not_truncate\" (got \"\(name)\")"
                )
            }
        default:
            throw PipelineError.validation(
                "truncation must be true, false, \"longest_first\", \"only_first\", \"only_second\" or \"do_not_truncate\""
            )
        }
        guard let strategy, let limit = maxLength ?? self.tokenizer.modelMaxLength else { return nil }
        return TruncationParameters(maxLength: limit, strategy: strategy)
    }

    /// `TextClassificationPipeline.postprocess`.
    func finish(_ request: TextClassificationRequest, _ output: ModelOutput) -> JSONValue {
        let logits = output.rows[0]
        let scores = request.function.apply(logits[...])
        if request.legacy {
            let best = argmax(scores)
            let answer = JSONValue.object([
                ("label", .string(labels[best])), ("score", .number(Double(scores[best]))),
            ])
            return request.wrapped ? .array([answer]) : answer
        }
        // Equal scores keep label order.
        var order = highestFirst(scores)
        if let k = request.topK { order = Array(order.prefix(k)) }
        return .array(
            order.map { .object([("label", .string(labels[$0])), ("score", .number(Double(scores[$0])))]) })
    }
}

extension EncoderConfig {
    /// The `function_to_apply` default: none for regression, sigmoid for multi-label or a single
    /// label, softmax otherwise.
    var defaultClassificationFunction: ClassificationFunction {
        if problemType == "regression" { return .none }
        if problemType == "multi_label_classification" || numLabels == 1 { return .sigmoid }
        return .softmax
    }
}
