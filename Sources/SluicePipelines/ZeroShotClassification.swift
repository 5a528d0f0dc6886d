import Foundation
import SluiceJSON
import SluiceModels
import SluiceTokenizers

extension PipelineTask {
    /// Candidate labels scored by an NLI model, each posed as a hypothesis.
    public static let zeroShotClassification = PipelineTask("zero-shot-classification")
}

/// One `zero-shot-classification` request: the sequence, its candidate labels (one model
/// sequence each, premise + hypothesis) and `multi_label`.
struct ZeroShotRequest: Sendable {
    var sequence: String
    var candidateLabels: [String]
    var multiLabel: Bool
}

/// transformers' `ZeroShotClassificationPipeline`: an NLI classifier's entailment score for
/// each candidate label, posed as a hypothesis about the text. Never inferred from a folder.
struct ZeroShotClassificationPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .zeroShotClassification,
        parameters: ["candidate_labels", "hypothesis_template", "multi_label"], head: .sequenceClassification)
    let context: PipelineContext
    /// The entailment class (-1 when no label starts with "entail", which numpy reads as the
    /// last class).
    let entailmentId: Int

    init(context: PipelineContext) throws {
        guard context.config.numLabels >= 2 else {
            throw PipelineError.load(
                "zero-shot-classification needs an NLI model (entailment among several labels); \(context.folder.url.path) has \(context.config.numLabels) label"
            )
        }
        self.context = context
        entailmentId = Self.entailmentId(config: context.config)
    }

    /// `ZeroShotClassificationPipeline.entailment_id`: the first label in `label2id` (in the
    /// file's order) that starts with "entail", case-insensitively; -1 if none.
    static func entailmentId(config: EncoderConfig) -> Int {
        var ordered: [(String, Int)] = []
        if case .object(let pairs) = config.json["label2id"] {
            ordered = pairs.compactMap { key, value in
                if case .int(let id) = value { return (key, id) }
                return nil
            }
        } else if case .object(let pairs) = config.json["id2label"] {
            ordered = pairs.compactMap { key, value in
                if case .string(let label) = value, let id = Int(key) { return (label, id) }
                return nil
            }
        }
        return ordered.first { $0.0.lowercased().hasPrefix("entail") }?.1 ?? -1
    }

    /// `ZeroShotClassificationPipeline.preprocess`: one pair per candidate label, the text as
    /// premise and the filled-in template as hypothesis, truncating only the premise.
    func prepare(
        _ input: JSONValue, parameters p: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<ZeroShotRequest> {
        let sequence = try input.requireText(task)
        var candidates: [String]
        switch p.values?["candidate_labels"] {
        case .string(let list)?:
            // `_parse_labels`: a comma-separated string.
            candidates = list.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .pythonWhitespace) }.filter { !$0.isEmpty }
        default:
            candidates = try p.stringList("candidate_labels") ?? []
        }
        guard !candidates.isEmpty else {
            throw PipelineError.validation("You must include at least one label and at least one sequence.")
        }
        let template = try p.string("hypothesis_template") ?? "This example is {}."
        let first = try pythonFormat(template, candidates[0])
        guard first != template else {
            throw PipelineError.validation(
                "The provided hypothesis_template \"\(template)\" was not able to be formatted with the target labels. Make sure the passed template includes formatting syntax such as {} where the label should go."
            )
        }
        var truncating = tokenizer.tokenizer
        if let limit = tokenizer.modelMaxLength {
            truncating.truncation = TruncationParameters(maxLength: limit, strategy: .onlyFirst)
        }
        let sequences = try candidates.map { label -> TokenSequence in
            let hypothesis = try pythonFormat(template, label)
            do {
                return try encode(sequence, pair: hypothesis, with: truncating)
            } catch let error as PipelineError where error.message.contains("cannot tokenize") {
                // The reference retries without truncation when the hypothesis alone is too long.
                return try encode(sequence, pair: hypothesis)
            }
        }
        let request = ZeroShotRequest(
            sequence: sequence, candidateLabels: candidates, multiLabel: try p.bool("multi_label") ?? false)
        return TaskInput(
            sequences: sequences, rows: .pooled,
            request: request)
    }

    /// `ZeroShotClassificationPipeline.postprocess`: softmax of the entailment logits across
    /// labels, or with `multi_label` (or a single label) entailment against contradiction per
    /// label; labels sorted by score.
    func finish(_ request: ZeroShotRequest, _ output: ModelOutput) -> JSONValue {
        let logits = Array(output.rows.joined())
        let width = labels.count
        let n = request.candidateLabels.count
        // numpy reads index -1 as the last class.
        let entailment = entailmentId < 0 ? width - 1 : entailmentId
        let contradiction = entailmentId == 0 ? width - 1 : 0
        var scores: [Float]
        if request.multiLabel || n == 1 {
            scores = (0..<n).map { i in
                softmaxRow([logits[i * width + contradiction], logits[i * width + entailment]][...])[1]
            }
        } else {
            scores = softmaxRow((0..<n).map { logits[$0 * width + entailment] }[...])
        }
        // reversed(argsort): numpy's sort of so few values is stable, so equal scores come out
        // later index first.
        let order = (0..<n).sorted { a, b in scores[a] != scores[b] ? scores[a] > scores[b] : a > b }
        return .object([
            ("sequence", .string(request.sequence)),
            ("labels", .array(order.map { .string(request.candidateLabels[$0]) })),
            ("scores", .array(order.map { .number(Double(scores[$0])) })),
        ])
    }
}

extension CharacterSet {
    /// What Python's `str.strip()` removes.
    static let pythonWhitespace = CharacterSet.whitespacesAndNewlines
}

/// Python's `template.format(value)` for templates with positional fields (`{}` or `{0}`) and
/// `{{` / `}}` escapes; any other field is a validation error.
func pythonFormat(_ template: String, _ value: String) throws -> String {
    var out = ""
    var scalars = template.unicodeScalars[...]
    while let c = scalars.popFirst() {
        if c == "{" {
            if scalars.first == "{" {
                scalars.removeFirst()
                out += "{"
                continue
            }
            guard let close = scalars.firstIndex(of: "}") else {
                throw PipelineError.validation("hypothesis_template has an unmatched '{'")
            }
            let field = String(scalars[..<close])
            guard field.isEmpty || field == "0" else {
                throw PipelineError.validation(
                    "hypothesis_template field {\(field)} is not supported (use {} for the label)")
            }
            out += value
            scalars = scalars[scalars.index(after: close)...]
        } else if c == "}" {
            guard scalars.first == "}" else {
                throw PipelineError.validation("hypothesis_template has a single '}'")
            }
            scalars.removeFirst()
            out += "}"
        } else {
            out.unicodeScalars.append(c)
        }
    }
    return out
}
