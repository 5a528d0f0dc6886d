extension EncoderFamily {
    /// `model_type` `distilbert`. Mirrors `DistilBertConfig` (`dim`, `n_layers`, `n_heads`,
    /// `hidden_dim`, `activation`; layer norms at 1e-12 whatever the file says), `DistilBertModel`
    /// and its heads: `vocab_transform`, `vocab_layer_norm`, `vocab_projector` for the masked LM,
    /// `pre_classifier` + ReLU before `classifier`.
    public static let distilbert = EncoderFamily(
        modelType: "distilbert", classPrefix: "DistilBert", baseModelPrefix: "distilbert",
        config: ConfigSchema(
            hiddenSize: .init("dim", 768), numHiddenLayers: .init("n_layers", 6),
            numAttentionHeads: .init("n_heads", 12), intermediateSize: .init("hidden_dim", 4 * 768),
            hiddenAct: "activation", typeVocabSize: nil, layerNormEps: nil),
        positions: .fromZero, ignoresTokenizerTypeIds: false,
        maskedLM: MaskedLMLayout(
            reference: "DistilBertForMaskedLM", dense: "vocab_transform", activation: nil,
            layerNorm: "vocab_layer_norm", decoder: "vocab_projector", sharedBias: nil),
        sequenceClassification: ClassificationLayout(
            reference: "DistilBertForSequenceClassification", dense: "pre_classifier",
            squash: .activation(.relu), classifier: "classifier"),
        architecture: DistilBertArchitecture.self)
}

/// The DistilBERT encoder. Mirrors `DistilBertModel`: word + position embeddings (no token
/// types: type ids are ignored), then `transformer.layer.N` post-norm blocks.
enum DistilBertArchitecture: EncoderArchitecture {
    static let reference = "DistilBertModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        try BertArchitecture.parts(weights, layersUnder: "transformer.layer", names: layer, config: config)
    }

    /// Mirrors DistilBERT's `TransformerBlock`.
    static let layer = PostNormLayer.Names(
        query: "attention.q_lin", key: "attention.k_lin", value: "attention.v_lin",
        attentionOutput: "attention.out_lin", attentionNorm: "sa_layer_norm",
        intermediate: "ffn.lin1", output: "ffn.lin2", outputNorm: "output_layer_norm")
}
