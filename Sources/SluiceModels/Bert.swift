/// The BERT encoder. Mirrors `transformers.BertModel`: `embeddings` (word + position + token
/// type, absolute positions from 0), then `encoder.layer.N` post-norm blocks. Its pooler
/// (`pooler.dense` + tanh on the first token) belongs to the sequence-classification head, the
/// only head that reads it.
enum BertArchitecture: EncoderArchitecture {
    static let families: [EncoderFamily] = [.bert]
    static let reference = "BertModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        EncoderParts(
            embeddings: try Embeddings(weights.scoped("embeddings"), config: config),
            layers: try layers(weights, config: config))
    }

    /// `encoder.layer.N`, shared by the families whose layers are copies of BERT's.
    static func layers(_ weights: WeightStore, config: EncoderConfig) throws -> [any EncoderBlock] {
        try (0..<config.numHiddenLayers).map {
            try PostNormLayer(weights.scoped("encoder.layer.\($0)"), names: layer, config: config)
        }
    }

    /// Mirrors `BertLayer`.
    static let layer = PostNormLayer.Names(
        query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
        attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
        intermediate: "intermediate.dense", output: "output.dense", outputNorm: "output.LayerNorm")
}
