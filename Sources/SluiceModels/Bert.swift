extension EncoderFamily {
    /// `model_type` `bert`. Mirrors `BertConfig`, `BertModel` and its heads: `cls.predictions`
    /// (`BertOnlyMLMHead`) and the pooler (`bert.pooler.dense` + tanh) before `classifier`.
    public static let bert = EncoderFamily(
        modelType: "bert", classPrefix: "Bert", baseModelPrefix: "bert", config: ConfigSchema(),
        positions: .fromZero, ignoresTokenizerTypeIds: false, maskedLM: BertArchitecture.maskedLM,
        sequenceClassification: ClassificationLayout(
            reference: "BertPooler + BertForSequenceClassification.classifier", dense: "pooler.dense",
            denseInEncoder: true, squash: .tanh, classifier: "classifier"),
        architecture: BertArchitecture.self)
}

/// The BERT encoder. Mirrors `transformers.BertModel`: `embeddings` (word + position + token
/// type, absolute positions from 0), then `encoder.layer.N` post-norm blocks. Its pooler
/// (`pooler.dense` + tanh on the first token) belongs to the sequence-classification head, the
/// only head that reads it.
enum BertArchitecture: EncoderArchitecture {
    static let reference = "BertModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        try parts(weights, layersUnder: "encoder.layer", names: layer, config: config)
    }

    /// BERT's parts under other names, for the families that copy them: `embeddings`, then
    /// post-norm blocks `prefix.N` whose weights `names` names.
    static func parts(
        _ weights: WeightStore, layersUnder prefix: String, names: PostNormLayer.Names, config: EncoderConfig
    ) throws -> EncoderParts {
        EncoderParts(
            embeddings: try Embeddings(weights.scoped("embeddings"), config: config),
            layers: try postNormLayers(weights.scoped(prefix), names: names, config: config))
    }

    /// `encoder.layer.N`, shared by the families whose layers are copies of BERT's.
    static func layers(_ weights: WeightStore, config: EncoderConfig) throws -> [any EncoderBlock] {
        try postNormLayers(weights.scoped("encoder.layer"), names: layer, config: config)
    }

    /// `config.numHiddenLayers` post-norm blocks `0`, `1`, … under `weights`, each adding the
    /// pass's bias table `bias` (nil: none) to its attention scores.
    static func postNormLayers(
        _ weights: WeightStore, names: PostNormLayer.Names, config: EncoderConfig, bias: Int? = nil
    ) throws -> [any EncoderBlock] {
        try (0..<config.numHiddenLayers).map {
            try PostNormLayer(weights.scoped("\($0)"), names: names, config: config, bias: bias)
        }
    }

    /// Mirrors `BertLayer`.
    static let layer = PostNormLayer.Names(
        query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
        attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
        intermediate: "intermediate.dense", output: "output.dense", outputNorm: "output.LayerNorm")

    /// Mirrors `BertOnlyMLMHead` (`cls.predictions`).
    static let maskedLM = MaskedLMLayout(
        reference: "BertOnlyMLMHead", dense: "cls.predictions.transform.dense", activation: nil,
        layerNorm: "cls.predictions.transform.LayerNorm", decoder: "cls.predictions.decoder",
        sharedBias: "cls.predictions.bias")
}

/// Mirrors `BertOnlyMLMHead` (`cls.predictions`): dense + activation + layer norm, then the
/// vocabulary projection, tied to the word embeddings when the checkpoint has no
/// `cls.predictions.decoder.weight`. The head `EncoderModel.loadHead(.maskedLM)` gives a BERT
/// checkpoint, as a type of its own.
public struct BertMaskedLMHead: EncoderHead {
    let head: RowHead

    /// Loads `cls.predictions.*` (and the word embeddings when the decoder is tied).
    public init(weights: WeightStore, config: EncoderConfig) throws {
        head = try maskedLMHead(weights, config, layout: BertArchitecture.maskedLM)
    }

    public var kind: HeadKind { .maskedLM }
    public var reference: String { head.reference }
    public var outputWidth: Int { head.outputWidth }

    /// Vocabulary logits `[rows.count, vocab]` for the given rows of `hidden`.
    public func logits(_ hidden: HiddenStates, rows: [Int]) -> [Float] { head.logits(hidden, rows: rows) }
}
