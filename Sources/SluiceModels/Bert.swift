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
            try layer(weights.scoped("encoder.layer.\($0)"), config: config)
        }
    }

    /// Mirrors `BertLayer`: `attention.self.{query,key,value}`, `attention.output.{dense,LayerNorm}`,
    /// `intermediate.dense`, `output.{dense,LayerNorm}`.
    static func layer(_ weights: WeightStore, config: EncoderConfig) throws -> PostNormLayer {
        let eps = config.layerNormEps
        let h = config.hiddenSize
        return PostNormLayer(
            attention: try SelfAttention(
                weights, query: "attention.self.query", key: "attention.self.key",
                value: "attention.self.value", output: "attention.output.dense", config: config),
            attentionNorm: try LayerNorm(weights.scoped("attention.output.LayerNorm"), width: h, eps: eps),
            feedForward: try MLP(
                weights, first: "intermediate.dense", second: "output.dense", config: config),
            outputNorm: try LayerNorm(weights.scoped("output.LayerNorm"), width: h, eps: eps))
    }
}
