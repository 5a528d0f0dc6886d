/// The RoBERTa encoder, and XLM-R's and CamemBERT's, which are copies of it. Mirrors
/// `RobertaModel`: BERT's embeddings and layers, with positions counted from
/// `pad_token_id + 1` (`EncoderConfig.positionPaddingIdx`).
enum RobertaArchitecture: EncoderArchitecture {
    static let families: [EncoderFamily] = [.roberta, .xlmRoberta, .camembert]
    static let reference = "RobertaModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        try BertArchitecture.parts(weights, config: config)
    }
}
