/// An encoder architecture family Sluice runs, by `config.json`'s `model_type`: everything
/// about the family that code outside its file needs to know. Each family's file declares its
/// value (`EncoderFamily.bert` in `Bert.swift`, with the transformers classes it mirrors), and
/// `registered` lists them, one line each; nothing else switches on the family.
public struct EncoderFamily: Sendable, Hashable, CaseIterable {
    /// `model_type`, such as `xlm-roberta`.
    public let rawValue: String
    /// How transformers' class names for this family begin (`XLMRoberta` in
    /// `XLMRobertaForMaskedLM`).
    public let classPrefix: String
    /// The reference's `base_model_prefix`: checkpoints saved from a head model keep the
    /// encoder's weights under it (`roberta.encoder.layer.0…`, also for XLM-R and CamemBERT).
    public let baseModelPrefix: String
    /// How the family's configuration class names `config.json`'s fields, and its defaults.
    let config: ConfigSchema
    /// How token positions are numbered.
    let positions: PositionScheme
    /// Whether the forward pass is given all-zero `token_type_ids` whatever the tokenizer
    /// returns: RoBERTa-style checkpoints, whose tokenizers return none in transformers.
    public let ignoresTokenizerTypeIds: Bool
    /// Where the `…ForMaskedLM` checkpoint keeps its head and what it computes, for families
    /// whose heads are laid out as BERT's (`layoutHead`); nil where the family's file builds
    /// its own heads.
    let maskedLM: MaskedLMLayout?
    /// Likewise for the `…ForSequenceClassification` checkpoint.
    let sequenceClassification: ClassificationLayout?
    /// The file that loads this family's encoder.
    let architecture: any EncoderArchitecture.Type
    /// The word embeddings' name under the encoder: how a head checkpoint's `base_model_prefix`
    /// is told from a bare encoder, and what a tied masked-LM decoder reads.
    let wordEmbeddings: String

    /// Whether the embeddings may add `token_type_embeddings` (DistilBERT and MPNet have none;
    /// DeBERTa-v2 has them when `type_vocab_size` > 0).
    public var hasTokenTypes: Bool { config.typeVocabSize != nil }

    /// The families Sluice runs, one line each, in the order messages list them.
    static let registered: [EncoderFamily] = [
        .bert,
        .distilbert,
        .roberta,
        .xlmRoberta,
        .camembert,
        .electra,
        .mpnet,
        .modernbert,
        .qwen3,
        .debertaV2,
    ]

    /// Every registered family.
    public static var allCases: [EncoderFamily] { registered }

    public static func == (lhs: EncoderFamily, rhs: EncoderFamily) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// A family as its file declares it; `modelType` is `config.json`'s `model_type`, and
    /// `wordEmbeddings` defaults to BERT's name.
    init(
        modelType: String, classPrefix: String, baseModelPrefix: String, config: ConfigSchema,
        positions: PositionScheme, ignoresTokenizerTypeIds: Bool, maskedLM: MaskedLMLayout?,
        sequenceClassification: ClassificationLayout?, architecture: any EncoderArchitecture.Type,
        wordEmbeddings: String = "embeddings.word_embeddings.weight"
    ) {
        rawValue = modelType
        self.classPrefix = classPrefix
        self.baseModelPrefix = baseModelPrefix
        self.config = config
        self.positions = positions
        self.ignoresTokenizerTypeIds = ignoresTokenizerTypeIds
        self.maskedLM = maskedLM
        self.sequenceClassification = sequenceClassification
        self.architecture = architecture
        self.wordEmbeddings = wordEmbeddings
    }

    /// The family from `model_type`, or when the file has none from `architectures`
    /// (BERT when neither says).
    init(modelType: String, architectures: [String], path: String) throws {
        if let family = Self.registered.first(where: { $0.rawValue == modelType }) {
            self = family
            return
        }
        guard modelType.isEmpty else {
            let known = Self.registered.map(\.rawValue).joined(separator: ", ")
            throw ModelError("\(path): model_type \"\(modelType)\" is not supported (supported: \(known))")
        }
        let name = architectures.first ?? ""
        // Longest prefix first: "XLMRobertaFor…" must not read as "Roberta…".
        let byPrefix = Self.registered.sorted { $0.classPrefix.count > $1.classPrefix.count }
        self = byPrefix.first { name.hasPrefix($0.classPrefix) } ?? .bert
    }

    /// What an `architectures` entry names: the bare encoder, one of Sluice's heads, or a
    /// head Sluice does not have (`BertForNextSentencePrediction`, `…ForMultipleChoice`).
    static func checkpointClass(_ name: String) -> CheckpointClass {
        if registered.contains(where: { name == $0.classPrefix + "Model" }) { return .encoder }
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
