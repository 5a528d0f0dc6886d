import Foundation
import SluiceJSON
import SluiceModels

extension PipelineTask {
    /// Texts scored and sorted against a query by a cross-encoder, as `CrossEncoder.rank`.
    public static let textRanking = PipelineTask("text-ranking", aliases: ["rerank", "sentence-ranking"])
}

/// What a sentence-transformers `CrossEncoder` folder says about scoring: the activation on
/// the logits, the length limit and the prompts.
struct CrossEncoderSettings: Sendable {
    /// `CrossEncoder.activation_fn`.
    enum Activation: String, Sendable {
        case sigmoid = "Sigmoid"
        case identity = "Identity"
        case tanh = "Tanh"

        func apply(_ x: Float) -> Float {
            switch self {
            case .sigmoid: return 1 / (1 + expf(-x))
            case .identity: return x
            case .tanh: return tanhf(x)
            }
        }
    }

    var activation: Activation
    /// `max_seq_length` from `sentence_bert_config.json`, if the folder has one.
    var maxLength: Int?
    /// Scores per pair: `CrossEncoder.num_labels`. Ranking needs one.
    var numLabels: Int
    /// `config_sentence_transformers.json`'s `prompts` (put before the query), and the one
    /// used when a request names none.
    var prompts: [String: String] = [:]
    var defaultPromptName: String?

    /// Whether the folder was saved as a `CrossEncoder`: `config_sentence_transformers.json`
    /// says `"model_type": "CrossEncoder"`, or `config.json` carries the activation that
    /// sentence-transformers 4+ (`sentence_transformers.activation_fn`) or 2–3
    /// (`sbert_ce_default_activation_function`) stored there.
    static func isCrossEncoder(_ folder: ModelFolder, config: EncoderConfig) -> Bool {
        if folder.jsonObject("config_sentence_transformers.json")["model_type"]?.stringValue
            == "CrossEncoder"
        {
            return true
        }
        let config = config.json
        return config["sentence_transformers"]?["activation_fn"] != nil
            || config["sbert_ce_default_activation_function"].map { $0 != .null } == true
    }

    /// `CrossEncoder.__init__`'s activation: `config_sentence_transformers.json`'s
    /// `activation_fn`, else the one in `config.json`, else sigmoid for one label (identity
    /// otherwise). Paths outside `torch.` are not trusted and fall through, as without
    /// `trust_remote_code`.
    init(folder: ModelFolder, config: EncoderConfig) throws {
        numLabels = config.numLabels
        let stConfig = folder.jsonObject("config_sentence_transformers.json")
        let modelConfig = config.json
        let candidates = [
            stConfig["activation_fn"], modelConfig["sentence_transformers"]?["activation_fn"],
            modelConfig["sbert_ce_default_activation_function"],
        ]
        var chosen: Activation?
        for case .string(let path)? in candidates where path.hasPrefix("torch.") {
            let name = path.split(separator: ".").last.map(String.init) ?? path
            guard let activation = Activation(rawValue: name) else {
                throw PipelineError.load(
                    "\(folder.url.path): activation_fn \(path) is not supported (supported: Sigmoid, Identity, Tanh)"
                )
            }
            chosen = activation
            break
        }
        activation = chosen ?? (config.numLabels == 1 ? .sigmoid : .identity)
        if case .object(let pairs) = stConfig["prompts"] {
            for (name, value) in pairs { if case .string(let prompt) = value { prompts[name] = prompt } }
        }
        defaultPromptName = stConfig["default_prompt_name"]?.stringValue
        if let name = defaultPromptName, prompts[name] == nil {
            throw PipelineError.load(
                "\(folder.url.path): default_prompt_name '\(name)' is not among the prompts \(prompts.keys.sorted())"
            )
        }
        maxLength = nil
        if case .array(let modules) = folder.jsonObject("modules.json") {
            for module in modules where module["type"]?.stringValue?.hasSuffix("Transformer") == true {
                let path = module["path"]?.stringValue ?? ""
                let settings = folder.jsonObject(moduleFile(path, "sentence_bert_config.json"))
                if case .int(let length) = settings["max_seq_length"] { maxLength = length }
            }
        }
    }
}

/// A file of a sentence-transformers module, by its path in the model folder.
func moduleFile(_ modulePath: String, _ name: String) -> String {
    modulePath.isEmpty ? name : modulePath + "/" + name
}

/// One `text-ranking` request: the texts and how to answer.
struct TextRankingRequest: Sendable {
    /// The answer's shape, with the parameters that shape reads.
    enum Answer: Sendable {
        /// `{"query", "texts"}`: `CrossEncoder.rank`'s answer, sorted by score, the first
        /// `topK`, each with its text when `returnDocuments`.
        case rank(topK: Int?, returnDocuments: Bool)
        /// `{"source_sentence", "sentences"}`: the scores in input order, as
        /// `CrossEncoder.predict`; `applySoftmax` (`apply_softmax=True`): softmax over the labels
        /// of each pair.
        case predict(applySoftmax: Bool)
    }

    var texts: [String]
    var answer: Answer
}

/// sentence-transformers' `CrossEncoder.rank` and `predict`: each (query, text) pair scored by
/// the classification head on its first token.
struct TextRankingPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .textRanking,
        parameters: ["top_k", "return_documents", "prompt_name", "prompt", "apply_softmax"],
        head: .sequenceClassification)
    let context: PipelineContext
    let crossEncoder: CrossEncoderSettings

    init(context: PipelineContext) throws {
        var context = context
        crossEncoder = try CrossEncoderSettings(folder: context.folder, config: context.config)
        if let limit = crossEncoder.maxLength ?? context.tokenizer.modelMaxLength {
            context.tokenizer = context.tokenizer.truncating(to: min(limit, context.maxInputTokens))
        }
        self.context = context
    }

    /// A folder saved as a sentence-transformers `CrossEncoder`.
    static func isImplied(by folder: ModelFolder, config: EncoderConfig) -> Bool {
        CrossEncoderSettings.isCrossEncoder(folder, config: config)
    }

    /// One (query, text) pair per text, the prompt before the query, truncated longest-first at
    /// the cross-encoder's limit.
    func prepare(
        _ input: JSONValue, parameters p: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<TextRankingRequest> {
        let query: String
        let texts: [String]
        let ranked: Bool
        if input.has("query") {
            let shape = #"{"query": ..., "texts": [...]}"#
            query = try input.stringField("query", in: shape)
            texts = try input.stringListField("texts", in: shape)
            ranked = true
        } else if input.has("source_sentence") {
            let shape = #"{"source_sentence": ..., "sentences": [...]}"#
            query = try input.stringField("source_sentence", in: shape)
            texts = try input.stringListField("sentences", in: shape)
            ranked = false
        } else {
            throw PipelineError.validation(
                #"text-ranking takes {"query": ..., "texts": [...]} or {"source_sentence": ..., "sentences": [...]}"#
            )
        }
        guard !texts.isEmpty else { throw PipelineError.validation("there are no texts to rank") }
        let numLabels = crossEncoder.numLabels
        if ranked && numLabels != 1 {
            throw PipelineError.validation(
                "CrossEncoder.rank() only works for models with num_labels=1 (this one has \(numLabels)); "
                    + #"send {"source_sentence": ..., "sentences": [...]} for CrossEncoder.predict()'s scores per label"#
            )
        }
        let prompt = try crossEncoderPrompt(p)
        let sequences = try texts.map { try encode(prompt + query, pair: $0) }
        // Every parameter is checked, whichever answer reads it.
        let topK = try p.nonNegativeInt("top_k")
        let returnDocuments = try p.bool("return_documents") ?? false
        let applySoftmax = try p.bool("apply_softmax") ?? false
        let request = TextRankingRequest(
            texts: texts,
            answer: ranked
                ? .rank(topK: topK, returnDocuments: returnDocuments) : .predict(applySoftmax: applySoftmax))
        return TaskInput(sequences: sequences, rows: .pooled, request: request)
    }

    /// `CrossEncoder._resolve_prompt`: `prompt`, else the prompt `prompt_name` names, else the
    /// default prompt, else none.
    private func crossEncoderPrompt(_ p: TaskParameters) throws -> String {
        if let prompt = try p.string("prompt") { return prompt }
        let prompts = crossEncoder.prompts
        if let name = try p.string("prompt_name") {
            guard let prompt = prompts[name] else {
                throw PipelineError.validation(
                    "Prompt name '\(name)' not found in the configured prompts dictionary with keys \(prompts.keys.sorted())."
                )
            }
            return prompt
        }
        return crossEncoder.defaultPromptName.flatMap { prompts[$0] } ?? ""
    }

    /// `CrossEncoder.rank`: activation on each logit, `{"corpus_id", "score"[, "text"]}` sorted
    /// by score (ties in input order), the first `top_k`. For `{"source_sentence",
    /// "sentences"}`, `CrossEncoder.predict`: the scores in input order, a list of label scores
    /// per text when the model has several labels (softmaxed with `apply_softmax`).
    func finish(_ request: TextRankingRequest, _ output: ModelOutput) -> JSONValue {
        let logits = Array(output.rows.joined())
        let activation = crossEncoder.activation
        let numLabels = crossEncoder.numLabels
        let scores = logits.map { activation.apply($0) }
        switch request.answer {
        case .predict(let applySoftmax):
            guard numLabels != 1 else { return .array(scores.map { .number(Double($0)) }) }
            return .array(
                (0..<(scores.count / numLabels)).map { row in
                    var labelScores = Array(scores[(row * numLabels)..<((row + 1) * numLabels)])
                    if applySoftmax { labelScores = torchSoftmax(labelScores) }
                    return .array(labelScores.map { .number(Double($0)) })
                })
        case .rank(let topK, let returnDocuments):
            // `prepare` refuses ranking for a model with several labels.
            var order = highestFirst(scores)
            if let k = topK { order = Array(order.prefix(k)) }
            return .array(
                order.map { i in
                    var fields: [(String, JSONValue)] = [
                        ("corpus_id", .int(i)), ("score", .number(Double(scores[i]))),
                    ]
                    if returnDocuments { fields.append(("text", .string(request.texts[i]))) }
                    return .object(fields)
                })
        }
    }
}

/// `torch.nn.functional.softmax` over one row: `exp(x - max) / sum`.
private func torchSoftmax(_ row: [Float]) -> [Float] { softmaxRow(row[...]) }
