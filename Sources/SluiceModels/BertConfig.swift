import Foundation
import SluiceTensors

/// The fields of a `config.json` that the BERT family's code reads.
///
/// Mirrors `transformers.BertConfig`; absent fields take that class's defaults.
public struct BertConfig: Sendable, Equatable {
    /// `model_type`, such as `bert`.
    public var modelType: String
    /// `architectures`, such as `["BertForMaskedLM"]`.
    public var architectures: [String]
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var hiddenAct: Activation
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var padTokenId: Int?
    /// `position_embedding_type`; only `absolute` is supported.
    public var positionEmbeddingType: String
    /// `tie_word_embeddings` (default true): the MLM decoder shares the word embeddings and
    /// `cls.predictions.bias`.
    public var tieWordEmbeddings: Bool
    /// Labels by class index, from `id2label`.
    public var id2label: [Int: String]

    /// Per-head width, `hidden_size / num_attention_heads`.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// Reads and validates `config.json` at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError("\(url.path) is not a JSON object")
        }
        try self.init(json: json, path: url.path)
    }

    /// Builds the config from parsed JSON; `path` names the file in errors.
    public init(json: [String: Any], path: String) throws {
        func int(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = json[key], !(value is NSNull) else { return fallback }
            guard let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded() else {
                throw ModelError("\(path): \(key) must be an integer, found \(value)")
            }
            return number.intValue
        }
        modelType = json["model_type"] as? String ?? ""
        architectures = json["architectures"] as? [String] ?? []
        vocabSize = try int("vocab_size", 30522)
        hiddenSize = try int("hidden_size", 768)
        numHiddenLayers = try int("num_hidden_layers", 12)
        numAttentionHeads = try int("num_attention_heads", 12)
        intermediateSize = try int("intermediate_size", 3072)
        maxPositionEmbeddings = try int("max_position_embeddings", 512)
        typeVocabSize = try int("type_vocab_size", 2)
        padTokenId = json["pad_token_id"] is NSNull ? nil : try int("pad_token_id", 0)
        let act = json["hidden_act"] as? String ?? "gelu"
        guard let activation = Activation(rawValue: act) else {
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError("\(path): hidden_act \"\(act)\" is not supported (supported: \(known))")
        }
        hiddenAct = activation
        layerNormEps = (json["layer_norm_eps"] as? NSNumber)?.floatValue ?? 1e-12
        positionEmbeddingType = json["position_embedding_type"] as? String ?? "absolute"
        tieWordEmbeddings = json["tie_word_embeddings"] as? Bool ?? true
        var labels: [Int: String] = [:]
        for (key, value) in json["id2label"] as? [String: Any] ?? [:] {
            if let index = Int(key), let label = value as? String { labels[index] = label }
        }
        id2label = labels
        guard hiddenSize > 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw ModelError(
                "\(path): hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)"
            )
        }
        guard vocabSize > 0, numHiddenLayers >= 0, intermediateSize > 0, maxPositionEmbeddings > 0,
            typeVocabSize > 0
        else { throw ModelError("\(path): sizes must be positive") }
        guard positionEmbeddingType == "absolute" else {
            throw ModelError(
                "\(path): position_embedding_type \"\(positionEmbeddingType)\" is not supported (supported: absolute)"
            )
        }
    }
}
