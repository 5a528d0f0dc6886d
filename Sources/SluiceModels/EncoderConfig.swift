import Foundation
import SluiceJSON
import SluiceTensors

/// The fields of a `config.json` that Sluice's encoder architectures read, under one set of
/// names whatever the family calls them (DistilBERT's `dim`, `n_layers`, `activation`, …).
///
/// Mirrors `BertConfig`, `DistilBertConfig`, `RobertaConfig`, `XLMRobertaConfig`,
/// `CamembertConfig`, `ElectraConfig` and `MPNetConfig`; absent fields take the defaults of the
/// class that `model_type` names.
public struct EncoderConfig: Sendable, Equatable {
    /// `model_type`, such as `bert`; empty when the file has none (read as BERT).
    public var modelType: String
    /// The architecture family `model_type` (or, without one, `architectures`) names.
    public var family: EncoderFamily
    /// `architectures`, such as `["BertForMaskedLM"]`.
    public var architectures: [String]
    /// `vocab_size`: rows of the word embeddings.
    public var vocabSize: Int
    /// Width of the encoder's hidden states (`hidden_size`; DistilBERT's `dim`).
    public var hiddenSize: Int
    /// Width of the token embeddings: ELECTRA's `embedding_size`, `hiddenSize` elsewhere.
    public var embeddingSize: Int
    /// `num_hidden_layers` (DistilBERT's `n_layers`).
    public var numHiddenLayers: Int
    /// `num_attention_heads` (DistilBERT's `n_heads`).
    public var numAttentionHeads: Int
    /// `intermediate_size` (DistilBERT's `hidden_dim`).
    public var intermediateSize: Int
    /// `hidden_act` (DistilBERT's `activation`).
    public var hiddenAct: Activation
    /// `max_position_embeddings`: rows of the position embeddings (see `maxSequenceLength`).
    public var maxPositionEmbeddings: Int
    /// `type_vocab_size`; 0 for families without token type embeddings (DistilBERT, MPNet),
    /// whose forward pass ignores type ids.
    public var typeVocabSize: Int
    /// `layer_norm_eps`; DistilBERT's layer norms use 1e-12 whatever the file says.
    public var layerNormEps: Float
    /// `pad_token_id`; RoBERTa-style families count positions from it.
    public var padTokenId: Int?
    /// `position_embedding_type`; only `absolute` is supported.
    public var positionEmbeddingType: String
    /// `relative_attention_num_buckets` (MPNet): rows of `encoder.relative_attention_bias`.
    public var relativeAttentionNumBuckets: Int
    /// `tie_word_embeddings` (default true): the MLM decoder shares the word embeddings and
    /// the head's own bias.
    public var tieWordEmbeddings: Bool
    /// Labels by class index, from `id2label`.
    public var id2label: [Int: String]
    /// Class indices by label, from `label2id`.
    public var label2id: [String: Int]
    /// `problem_type`: `regression`, `single_label_classification`,
    /// `multi_label_classification`, or nil when the file does not say.
    public var problemType: String?
    /// The whole file as read, for the fields other parts of Sluice read (the order of
    /// `label2id`, sentence-transformers' settings), so that nobody opens it again.
    public var json: JSONValue

    /// Per-head width, `hidden_size / num_attention_heads`.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// Outputs of a classification head: `num_labels`, which transformers derives from
    /// `id2label` (2 when the file has neither).
    public var numLabels: Int

    /// Token positions start after this index, as RoBERTa's
    /// `create_position_ids_from_input_ids` makes them (`padding_idx + 1 + position`, and
    /// `padding_idx` for padding tokens); nil where positions are `0, 1, 2, …`.
    ///
    /// RoBERTa, XLM-R and CamemBERT use `pad_token_id`; MPNet fixes `padding_idx` at 1.
    public var positionPaddingIdx: Int? {
        switch family {
        case .roberta, .xlmRoberta, .camembert: return padTokenId ?? 1
        case .mpnet: return 1
        case .bert, .distilbert, .electra: return nil
        }
    }

    /// The longest sequence, special tokens included, that the position embeddings cover:
    /// `max_position_embeddings`, less `padding_idx + 1` where positions start after it
    /// (514 − 2 = 512 for roberta-base).
    public var maxSequenceLength: Int { maxPositionEmbeddings - (positionPaddingIdx.map { $0 + 1 } ?? 0) }

    /// Reads and validates `config.json` at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(json: try Self.parseObject(data, path: url.path), path: url.path)
    }

    /// `config.json`'s text as a JSON object, or an error naming the file.
    public static func parseObject(_ data: Data, path: String) throws -> JSONValue {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw ModelError("\(path) is not valid JSON: \(error)")
        }
        guard case .object = json else { throw ModelError("\(path) is not a JSON object") }
        return json
    }

    /// Builds the config from parsed JSON; `path` names the file in errors.
    public init(json: JSONValue, path: String) throws {
        self.json = json
        func int(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = json[key], !value.isNull else { return fallback }
            guard let number = value.integralValue else {
                throw ModelError("\(path): \(key) must be an integer, found \(value.pythonJSON)")
            }
            return number
        }
        modelType = json["model_type"]?.stringValue ?? ""
        architectures = json["architectures"]?.arrayValue?.compactMap(\.stringValue) ?? []
        family = try EncoderFamily(modelType: modelType, architectures: architectures, path: path)
        let defaults = family.defaults
        vocabSize = try int("vocab_size", defaults.vocabSize)
        if family == .distilbert {
            hiddenSize = try int("dim", 768)
            numHiddenLayers = try int("n_layers", 6)
            numAttentionHeads = try int("n_heads", 12)
            intermediateSize = try int("hidden_dim", 4 * 768)
        } else {
            hiddenSize = try int("hidden_size", defaults.hiddenSize)
            numHiddenLayers = try int("num_hidden_layers", 12)
            numAttentionHeads = try int("num_attention_heads", defaults.numAttentionHeads)
            intermediateSize = try int("intermediate_size", defaults.intermediateSize)
        }
        embeddingSize = family == .electra ? try int("embedding_size", 128) : hiddenSize
        maxPositionEmbeddings = try int("max_position_embeddings", 512)
        typeVocabSize = family.hasTokenTypes ? try int("type_vocab_size", 2) : 0
        padTokenId = json["pad_token_id"]?.isNull == true ? nil : try int("pad_token_id", defaults.padTokenId)
        relativeAttentionNumBuckets = family == .mpnet ? try int("relative_attention_num_buckets", 32) : 0
        let actKey = family == .distilbert ? "activation" : "hidden_act"
        let act = json[actKey]?.stringValue ?? "gelu"
        guard let activation = Activation(rawValue: act) else {
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError("\(path): \(actKey) \"\(act)\" is not supported (supported: \(known))")
        }
        hiddenAct = activation
        layerNormEps =
            family == .distilbert ? 1e-12 : json["layer_norm_eps"]?.doubleValue.map { Float($0) } ?? 1e-12
        positionEmbeddingType = json["position_embedding_type"]?.stringValue ?? "absolute"
        tieWordEmbeddings = json["tie_word_embeddings"]?.boolValue ?? true
        var labels: [Int: String] = [:]
        for (key, value) in json["id2label"]?.objectMembers ?? [] {
            if let index = Int(key), let label = value.stringValue { labels[index] = label }
        }
        id2label = labels
        var ids: [String: Int] = [:]
        for (key, value) in json["label2id"]?.objectMembers ?? [] {
            if let number = value.integralValue { ids[key] = number }
        }
        label2id = ids
        numLabels = labels.isEmpty ? try int("num_labels", 2) : labels.count
        problemType = json["problem_type"]?.stringValue
        if let problemType {
            let known = ["regression", "single_label_classification", "multi_label_classification"]
            guard known.contains(problemType) else {
                throw ModelError(
                    "\(path): problem_type \"\(problemType)\" is not one of \(known.joined(separator: ", "))")
            }
        }
        let heads = family == .distilbert ? "n_heads" : "num_attention_heads"
        let hidden = family == .distilbert ? "dim" : "hidden_size"
        guard hiddenSize > 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw ModelError(
                "\(path): \(hidden) \(hiddenSize) is not a multiple of \(heads) \(numAttentionHeads)")
        }
        guard vocabSize > 0, numHiddenLayers >= 0, intermediateSize > 0, maxPositionEmbeddings > 0,
            embeddingSize > 0, typeVocabSize >= 0, numLabels > 0
        else { throw ModelError("\(path): sizes must be positive") }
        guard !family.hasTokenTypes || typeVocabSize > 0 else {
            throw ModelError("\(path): type_vocab_size must be positive")
        }
        guard family != .mpnet || relativeAttentionNumBuckets >= 32 else {
            // MPNetEncoder.compute_position_bias always asks for 32 buckets.
            throw ModelError(
                "\(path): relative_attention_num_buckets \(relativeAttentionNumBuckets) is below the 32 buckets MPNet uses"
            )
        }
        guard positionEmbeddingType == "absolute" else {
            throw ModelError(
                "\(path): position_embedding_type \"\(positionEmbeddingType)\" is not supported (supported: absolute)"
            )
        }
    }

    /// The head `architectures` names: nil for a bare encoder (`BertModel`), or an error that
    /// names the architecture and the heads Sluice supports.
    public func checkpointHead() throws -> HeadKind? {
        guard let name = architectures.first else { return nil }
        switch EncoderFamily.checkpointClass(name) {
        case .encoder: return nil
        case .head(let kind): return kind
        case .unsupported:
            let supported = HeadKind.allCases.map { family.classPrefix + $0.classSuffix }
            throw ModelError(
                "architecture \(name) is not supported: Sluice has no such head (supported: \(family.classPrefix)Model, \(supported.joined(separator: ", ")))"
            )
        }
    }
}

/// The name the BERT-only code used; every supported family now reads into `EncoderConfig`.
public typealias BertConfig = EncoderConfig
