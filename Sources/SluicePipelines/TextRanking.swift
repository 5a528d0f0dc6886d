import Foundation
import SluiceModels

/// What a sentence-transformers `CrossEncoder` folder says about scoring: the activation on
/// the logits and the length limit.
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

    /// Whether the folder was saved as a `CrossEncoder`: `config_sentence_transformers.json`
    /// says `"model_type": "CrossEncoder"`, or `config.json` carries the activation that
    /// sentence-transformers 4+ (`sentence_transformers.activation_fn`) or 2–3
    /// (`sbert_ce_default_activation_function`) stored there.
    static func isCrossEncoder(_ folder: ModelFolder) -> Bool {
        if readObject(folder.file("config_sentence_transformers.json"))["model_type"]?.stringValue
            == "CrossEncoder"
        {
            return true
        }
        let config = readObject(folder.file("config.json"))
        return config["sentence_transformers"]?["activation_fn"] != nil
            || config["sbert_ce_default_activation_function"].map { $0 != .null } == true
    }

    /// `CrossEncoder.__init__`'s activation: `config_sentence_transformers.json`'s
    /// `activation_fn`, else the one in `config.json`, else sigmoid for one label (identity
    /// otherwise). Paths outside `torch.` are not trusted and fall through, as without
    /// `trust_remote_code`.
    init(folder: ModelFolder, config: EncoderConfig) throws {
        guard config.numLabels == 1 else {
            throw PipelineError.load(
                "text-ranking scores with CrossEncoder.rank, which needs num_labels=1; \(folder.url.path) has \(config.numLabels) labels"
            )
        }
        let stConfig = readObject(folder.file("config_sentence_transformers.json"))
        let modelConfig = readObject(folder.file("config.json"))
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
        activation = chosen ?? .sigmoid
        maxLength = nil
        if case .array(let modules) = readObject(folder.file("modules.json")) {
            for module in modules where module["type"]?.stringValue?.hasSuffix("Transformer") == true {
                let path = module["path"]?.stringValue ?? ""
                let dir = path.isEmpty ? folder.url : folder.url.appendingPathComponent(path)
                let settings = readObject(dir.appendingPathComponent("sentence_bert_config.json"))
                if case .int(let length) = settings["max_seq_length"] { maxLength = length }
            }
        }
    }
}

/// A JSON file's value, or an empty object when it is missing or unreadable.
func readObject(_ url: URL) -> JSONValue {
    guard let data = try? Data(contentsOf: url), let value = try? JSONValue.parse(data) else {
        return .object([])
    }
    return value
}

/// One `text-ranking` request: the texts and how to answer.
struct TextRankingRequest: Sendable {
    var texts: [String]
    /// `{"query", "texts"}`: `CrossEncoder.rank`'s sorted answer; `{"source_sentence",
    /// "sentences"}`: the scores in input order, as `CrossEncoder.predict`.
    var ranked: Bool
    var topK: Int?
    var returnDocuments: Bool
}

extension Pipeline {
    /// One (query, text) pair per text, truncated longest-first at the cross-encoder's limit.
    func prepareTextRanking(_ input: JSONValue, parameters: JSONValue?) throws -> PreparedInput {
        try checkParameters(parameters, allowed: ["top_k", "return_documents"])
        let p = Parameters(parameters)
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
        let sequences = try texts.map { try encode(query, pair: $0) }
        let request = TextRankingRequest(
            texts: texts, ranked: ranked, topK: try p.nonNegativeInt("top_k"),
            returnDocuments: try p.bool("return_documents") ?? false)
        return PreparedInput(sequences: sequences, options: .textRanking(request))
    }

    /// `CrossEncoder.rank`: activation on each logit, `{"corpus_id", "score"[, "text"]}` sorted
    /// by score (ties in input order), the first `top_k`.
    func textRankingOutput(_ request: TextRankingRequest, logits: [Float]) -> JSONValue {
        let activation = crossEncoder?.activation ?? .sigmoid
        let scores = logits.map { activation.apply($0) }
        guard request.ranked else { return .array(scores.map { .number(Double($0)) }) }
        var order = Array(scores.indices).sorted { a, b in
            scores[a] != scores[b] ? scores[a] > scores[b] : a < b
        }
        if let k = request.topK { order = Array(order.prefix(k)) }
        return .array(
            order.map { i in
                var fields: [(String, JSONValue)] = [
                    ("corpus_id", .int(i)), ("score", .number(Double(scores[i]))),
                ]
                if request.returnDocuments { fields.append(("text", .string(request.texts[i]))) }
                return .object(fields)
            })
    }
}
