/// The DistilBERT encoder. Mirrors `DistilBertModel`: word + position embeddings (no token
/// types: type ids are ignored), then `transformer.layer.N` post-norm blocks.
enum DistilBertArchitecture: EncoderArchitecture {
    static let families: [EncoderFamily] = [.distilbert]
    static let reference = "DistilBertModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        EncoderParts(
            embeddings: try Embeddings(weights.scoped("embeddings"), config: config),
            layers: try (0..<config.numHiddenLayers).map {
                try layer(weights.scoped("transformer.layer.\($0)"), config: config)
            })
    }

    /// Mirrors DistilBERT's `TransformerBlock`: `attention.{q,k,v,out}_lin`, `sa_layer_norm`,
    /// `ffn.lin1`, `ffn.lin2`, `output_layer_norm`.
    static func layer(_ weights: WeightStore, config: EncoderConfig) throws -> PostNormLayer {
        let eps = config.layerNormEps
        let h = config.hiddenSize
        return PostNormLayer(
            attention: try SelfAttention(
                weights, query: "attention.q_lin", key: "attention.k_lin", value: "attention.v_lin",
                output: "attention.out_lin", config: config),
            attentionNorm: try LayerNorm(weights.scoped("sa_layer_norm"), width: h, eps: eps),
            feedForward: try MLP(weights, first: "ffn.lin1", second: "ffn.lin2", config: config),
            outputNorm: try LayerNorm(weights.scoped("output_layer_norm"), width: h, eps: eps))
    }
}
