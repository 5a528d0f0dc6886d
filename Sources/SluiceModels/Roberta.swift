extension EncoderFamily {
    /// `model_type` `roberta`. Mirrors `RobertaConfig` (`vocab_size` 50265, `pad_token_id` 1).
    public static let roberta = RobertaArchitecture.family(
        modelType: "roberta", classPrefix: "Roberta",
        config: ConfigSchema(vocabSize: .init("vocab_size", 50265), padTokenId: 1))
    /// `model_type` `xlm-roberta`. Mirrors `XLMRobertaConfig`, whose classes copy RoBERTa's and
    /// keep its `base_model_prefix`.
    public static let xlmRoberta = RobertaArchitecture.family(
        modelType: "xlm-roberta", classPrefix: "XLMRoberta", config: ConfigSchema(padTokenId: 1))
    /// `model_type` `camembert`. Mirrors `CamembertConfig`, likewise a copy of RoBERTa's.
    public static let camembert = RobertaArchitecture.family(
        modelType: "camembert", classPrefix: "Camembert", config: ConfigSchema(padTokenId: 1))
}

/// The RoBERTa encoder, and XLM-R's and CamemBERT's, which are copies of it. Mirrors
/// `RobertaModel`: BERT's embeddings and layers, with positions counted from
/// `pad_token_id + 1` (`EncoderConfig.positionPaddingIdx`).
enum RobertaArchitecture: EncoderArchitecture {
    static let reference = "RobertaModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        try BertArchitecture.parts(weights, config: config)
    }

    /// Mirrors `RobertaLMHead` (`lm_head`: dense, exact GELU, layer_norm, decoder).
    static let maskedLM = MaskedLMLayout(
        reference: "RobertaLMHead", dense: "lm_head.dense", activation: .gelu,
        layerNorm: "lm_head.layer_norm", decoder: "lm_head.decoder", sharedBias: "lm_head.bias")

    /// Mirrors `RobertaClassificationHead` (`classifier.dense` + tanh, `classifier.out_proj`).
    static let sequenceClassification = ClassificationLayout(
        reference: "RobertaClassificationHead", dense: "classifier.dense", squash: .tanh,
        classifier: "classifier.out_proj")

    /// A family that is a copy of RoBERTa's under other class names: positions after
    /// `pad_token_id`, the tokenizer's type ids replaced by zeros, RoBERTa's heads.
    static func family(modelType: String, classPrefix: String, config: ConfigSchema) -> EncoderFamily {
        EncoderFamily(
            modelType: modelType, classPrefix: classPrefix, baseModelPrefix: "roberta", config: config,
            positions: .afterPadToken, ignoresTokenizerTypeIds: true, maskedLM: maskedLM,
            sequenceClassification: sequenceClassification, architecture: RobertaArchitecture.self)
    }
}
