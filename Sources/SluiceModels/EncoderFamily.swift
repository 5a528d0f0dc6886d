/// The encoder architectures Sluice runs, by `config.json`'s `model_type`.
public enum EncoderFamily: String, Sendable, CaseIterable {
    case bert
    case distilbert
    case roberta
    case xlmRoberta = "xlm-roberta"
    case camembert
    case electra
    case mpnet

    /// How transformers' class names for this family begin (`XLMRoberta` in
    /// `XLMRobertaForMaskedLM`).
    public var classPrefix: String {
        switch self {
        case .bert: return "Bert"
        case .distilbert: return "DistilBert"
        case .roberta: return "Roberta"
        case .xlmRoberta: return "XLMRoberta"
        case .camembert: return "Camembert"
        case .electra: return "Electra"
        case .mpnet: return "MPNet"
        }
    }

    /// The reference's `base_model_prefix`: checkpoints saved from a head model keep the
    /// encoder's weights under it (`roberta.encoder.layer.0…`, also for XLM-R and CamemBERT).
    public var baseModelPrefix: String {
        switch self {
        case .bert: return "bert"
        case .distilbert: return "distilbert"
        case .roberta, .xlmRoberta, .camembert: return "roberta"
        case .electra: return "electra"
        case .mpnet: return "mpnet"
        }
    }

    /// Whether the embeddings add `token_type_embeddings` (DistilBERT and MPNet have none).
    public var hasTokenTypes: Bool { self != .distilbert && self != .mpnet }

    /// The configuration class defaults that differ between families.
    var defaults:
        (vocabSize: Int, hiddenSize: Int, numAttentionHeads: Int, intermediateSize: Int, padTokenId: Int)
    {
        switch self {
        case .bert, .distilbert, .xlmRoberta, .camembert:
            return (30522, 768, 12, 3072, self == .bert || self == .distilbert ? 0 : 1)
        case .roberta: return (50265, 768, 12, 3072, 1)
        case .electra: return (30522, 256, 4, 1024, 0)
        case .mpnet: return (30527, 768, 12, 3072, 1)
        }
    }

    /// The family from `model_type`, or when the file has none from `architectures`
    /// (BERT when neither says).
    init(modelType: String, architectures: [String], path: String) throws {
        if let family = EncoderFamily(rawValue: modelType) {
            self = family
            return
        }
        guard modelType.isEmpty else {
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError("\(path): model_type \"\(modelType)\" is not supported (supported: \(known))")
        }
        let name = architectures.first ?? ""
        // Longest prefix first: "XLMRobertaFor…" must not read as "Roberta…".
        let byPrefix = Self.allCases.sorted { $0.classPrefix.count > $1.classPrefix.count }
        self = byPrefix.first { name.hasPrefix($0.classPrefix) } ?? .bert
    }

    /// What an `architectures` entry names: the bare encoder, one of Sluice's heads, or a
    /// head Sluice does not have (`BertForNextSentencePrediction`, `…ForMultipleChoice`).
    static func checkpointClass(_ name: String) -> CheckpointClass {
        if allCases.contains(where: { name == $0.classPrefix + "Model" }) { return .encoder }
        if let kind = HeadKind.allCases.first(where: { name.hasSuffix($0.classSuffix) }) {
            return .head(kind)
        }
        return .unsupported
    }

    enum CheckpointClass: Equatable {
        case encoder
        case head(HeadKind)
        case unsupported
    }
}

/// The task heads Sluice computes on top of an encoder, as transformers names them
/// (`…ForMaskedLM`, `…ForSequenceClassification`, …).
public enum HeadKind: String, Sendable, CaseIterable {
    /// Vocabulary logits at chosen rows (the masked positions).
    case maskedLM
    /// `num_labels` logits per sequence, from its first token.
    case sequenceClassification
    /// `num_labels` logits per token.
    case tokenClassification
    /// Start and end logits per token (extractive QA).
    case questionAnswering

    /// The end of the reference's class name: `ForMaskedLM`, …
    public var classSuffix: String {
        switch self {
        case .maskedLM: return "ForMaskedLM"
        case .sequenceClassification: return "ForSequenceClassification"
        case .tokenClassification: return "ForTokenClassification"
        case .questionAnswering: return "ForQuestionAnswering"
        }
    }
}
