import Foundation
import SluiceJSON
import SluiceTensors

/// The fields of a `config.json` that Sluice's encoder architectures read, under one set of
/// names whatever the family calls them (DistilBERT's `dim`, `n_layers`, `activation`, …).
///
/// Mirrors the configuration class of the family `model_type` names (`BertConfig`,
/// `DistilBertConfig`, …): the family's file says which keys it reads (its `ConfigSchema`), and
/// absent fields take that class's defaults. Fields only one family reads (ModernBERT's rotary
/// settings, say) stay in `json`, read by that family's file.
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
    /// Width of the token embeddings: ELECTRA's and DeBERTa-v2's `embedding_size`, `hiddenSize`
    /// elsewhere.
    public var embeddingSize: Int
    /// `num_hidden_layers` (DistilBERT's `n_layers`).
    public var numHiddenLayers: Int
    /// `num_attention_heads` (DistilBERT's `n_heads`).
    public var numAttentionHeads: Int
    /// `num_key_value_heads` where the family reads it (Qwen3's grouped-query attention: each
    /// key and value head serves `numAttentionHeads / numKeyValueHeads` query heads), else
    /// `numAttentionHeads`.
    public var numKeyValueHeads: Int
    /// Per-head width: `head_dim` where the family reads it (Qwen3), else `hidden_size /
    /// num_attention_heads`.
    public var headDim: Int
    /// `intermediate_size` (DistilBERT's `hidden_dim`).
    public var intermediateSize: Int
    /// `hidden_act` (DistilBERT's `activation`, ModernBERT's `hidden_activation`).
    public var hiddenAct: Activation
    /// `max_position_embeddings`: rows of the position embeddings (see `maxSequenceLength`).
    public var maxPositionEmbeddings: Int
    /// `type_vocab_size`; 0 for families without token type embeddings (DistilBERT, MPNet, and
    /// DeBERTa-v2 by default), whose forward pass ignores type ids.
    public var typeVocabSize: Int
    /// `layer_norm_eps` (ModernBERT's `norm_eps`); DistilBERT's layer norms use 1e-12 whatever
    /// the file says.
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

    /// Outputs of a classification head: `num_labels`, which transformers derives from
    /// `id2label` (2 when the file has neither).
    public var numLabels: Int

    /// Token positions start after this index, as RoBERTa's
    /// `create_position_ids_from_input_ids` makes them (`padding_idx + 1 + position`, and
    /// `padding_idx` for padding tokens); nil where positions are `0, 1, 2, …`.
    ///
    /// RoBERTa, XLM-R and CamemBERT use `pad_token_id`; MPNet fixes `padding_idx` at 1.
    public var positionPaddingIdx: Int? {
        switch family.positions {
        case .afterPadToken: return padTokenId ?? 1
        case .afterPadding(let index): return index
        case .fromZero: return nil
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
        try Self.refuseRemoteCode(json, path: path)
        family = try EncoderFamily(modelType: modelType, architectures: architectures, path: path)
        let schema = family.config
        func read(_ field: ConfigSchema.Field) throws -> Int { try int(field.key, field.fallback) }
        vocabSize = try read(schema.vocabSize)
        hiddenSize = try read(schema.hiddenSize)
        numHiddenLayers = try read(schema.numHiddenLayers)
        numAttentionHeads = try read(schema.numAttentionHeads)
        intermediateSize = try read(schema.intermediateSize)
        let width = hiddenSize
        embeddingSize =
            try schema.embeddingSize.map { try int($0.key, $0.fallback > 0 ? $0.fallback : width) } ?? width
        maxPositionEmbeddings = try read(schema.maxPositionEmbeddings)
        typeVocabSize = try schema.typeVocabSize.map { try read($0) } ?? 0
        switch json["pad_token_id"] {
        case nil: padTokenId = schema.padTokenId
        case .some(let value) where value.isNull: padTokenId = nil
        default: padTokenId = try int("pad_token_id", 0)
        }
        relativeAttentionNumBuckets = try schema.relativeAttentionNumBuckets.map { try read($0) } ?? 0
        let actKey = schema.hiddenAct
        let act = json[actKey]?.stringValue ?? schema.hiddenActFallback
        guard let activation = Activation(rawValue: act) else {
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError("\(path): \(actKey) \"\(act)\" is not supported (supported: \(known))")
        }
        hiddenAct = activation
        layerNormEps =
            schema.layerNormEps.flatMap { json[$0]?.doubleValue.map { Float($0) } }
            ?? schema.layerNormEpsFallback
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
        let heads = schema.numAttentionHeads.key
        let hidden = schema.hiddenSize.key
        // A family that reads head_dim needs no whole division (Qwen3-0.6B: 16 heads of 128 on 1024).
        guard hiddenSize > 0, numAttentionHeads > 0,
            schema.headDim != nil || hiddenSize % numAttentionHeads == 0
        else {
            throw ModelError(
                "\(path): \(hidden) \(hiddenSize) is not a multiple of \(heads) \(numAttentionHeads)")
        }
        let queryHeads = numAttentionHeads
        headDim = try schema.headDim.map { try read($0) } ?? hiddenSize / queryHeads
        // Absent: the class's default; null: one key and value head per query head.
        if let field = schema.numKeyValueHeads, json[field.key]?.isNull != true {
            numKeyValueHeads = try read(field)
        } else {
            numKeyValueHeads = queryHeads
        }
        guard headDim > 0 else { throw ModelError("\(path): head_dim must be positive, found \(headDim)") }
        guard numKeyValueHeads > 0, numAttentionHeads % numKeyValueHeads == 0 else {
            throw ModelError(
                "\(path): num_key_value_heads \(numKeyValueHeads) does not divide \(heads) \(numAttentionHeads)"
            )
        }
        guard vocabSize > 0, numHiddenLayers >= 0, intermediateSize > 0, maxPositionEmbeddings > 0,
            embeddingSize > 0, typeVocabSize >= 0, numLabels > 0
        else { throw ModelError("\(path): sizes must be positive") }
        guard !family.hasTokenTypes || typeVocabSize > 0 || schema.typeVocabSizeMayBeZero else {
            throw ModelError("\(path): type_vocab_size must be positive")
        }
        try family.architecture.check(self, path: path)
        guard positionEmbeddingType == "absolute" else {
            throw ModelError(
                "\(path): position_embedding_type \"\(positionEmbeddingType)\" is not supported (supported: absolute)"
            )
        }
    }

    /// Refuses a config whose classes are code shipped with the checkpoint (`auto_map` naming
    /// a config or model class, which transformers runs only with `trust_remote_code`):
    /// NomicBERT, GTE-new, Jina's v2 models (whose `model_type` says `bert` but whose code
    /// adds ALiBi). Running them as the built-in family would answer wrongly.
    static func refuseRemoteCode(_ json: JSONValue, path: String) throws {
        let classes = (json["auto_map"]?.objectMembers ?? []).filter {
            $0.0 == "AutoConfig" || $0.0.hasPrefix("AutoModel")
        }
        guard let (key, value) = classes.first else { return }
        let code = value.stringValue ?? value.arrayValue?.first?.stringValue ?? value.pythonJSON
        let known = EncoderFamily.registered.map(\.rawValue).joined(separator: ", ")
        throw ModelError(
            "\(path): auto_map names code shipped with the model (\(key): \(code)), which transformers runs only with trust_remote_code; Sluice runs the architectures transformers ships (\(known)), not remote code"
        )
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

/// How a family's configuration class names the `config.json` fields `EncoderConfig` reads,
/// and the defaults it gives them; the values here are `BertConfig`'s. A family's file
/// declares its own (`DistilBertConfig` calls `hidden_size` `dim`).
struct ConfigSchema: Sendable {
    /// A key, and the value the configuration class gives it when the file has none.
    struct Field: Sendable {
        let key: String
        let fallback: Int

        init(_ key: String, _ fallback: Int) {
            self.key = key
            self.fallback = fallback
        }
    }

    var vocabSize = Field("vocab_size", 30522)
    var hiddenSize = Field("hidden_size", 768)
    var numHiddenLayers = Field("num_hidden_layers", 12)
    var numAttentionHeads = Field("num_attention_heads", 12)
    var intermediateSize = Field("intermediate_size", 3072)
    /// The activation's key (DistilBERT's `activation`).
    var hiddenAct = "hidden_act"
    /// The activation when the file has none: exact GELU, Qwen3's SiLU.
    var hiddenActFallback = "gelu"
    /// `pad_token_id` when the file has none; nil where the class has none (Qwen3).
    var padTokenId: Int? = 0
    /// `type_vocab_size`; nil for families without token type embeddings, which ignore type ids.
    var typeVocabSize: Field? = Field("type_vocab_size", 2)
    /// Whether `type_vocab_size` 0 is allowed and means no token type embeddings (DeBERTa-v2's
    /// default); elsewhere the embeddings always have rows for token types.
    var typeVocabSizeMayBeZero = false
    /// ELECTRA's `embedding_size`; nil where the embeddings are `hidden_size` wide. A fallback
    /// of 0 means `hidden_size` (DeBERTa-v2's `getattr(config, "embedding_size", hidden_size)`).
    var embeddingSize: Field? = nil
    var maxPositionEmbeddings = Field("max_position_embeddings", 512)
    /// The layer norms' epsilon key; nil where the class fixes it (DistilBERT's 1e-12).
    var layerNormEps: String? = "layer_norm_eps"
    /// The epsilon when the file has none, or the class fixes it.
    var layerNormEpsFallback: Float = 1e-12
    /// MPNet's `relative_attention_num_buckets`; nil for families without a relative bias.
    var relativeAttentionNumBuckets: Field? = nil
    /// Qwen3's `head_dim`; nil where heads are `hidden_size / num_attention_heads` wide.
    var headDim: Field? = nil
    /// Qwen3's `num_key_value_heads`; nil where every query head has its own key and value.
    var numKeyValueHeads: Field? = nil
}

/// The name the BERT-only code used; every supported family now reads into `EncoderConfig`.
public typealias BertConfig = EncoderConfig
