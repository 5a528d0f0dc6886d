/// The DistilBERT encoder. Mirrors `DistilBertModel`: word + position embeddings (no token
/// types: type ids are ignored), then `transformer.layer.N` post-norm blocks.
enum DistilBertArchitecture: EncoderArchitecture {
    static let families: [EncoderFamily] = [.distilbert]
    static let reference = "DistilBertModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        EncoderParts(
            embeddings: try Embeddings(weights.scoped("embeddings"), config: config),
            layers: try (0..<config.numHiddenLayers).map {
                try PostNormLayer(weights.scoped("transformer.layer.\($0)"), names: layer, config: config)
            })
    }

    /// Mirrors DistilBERT's `TransformerBlock`.
    static let layer = PostNormLayer.Names(
        query: "attention.q_lin", key: "attention.k_lin", value: "attention.v_lin",
        attentionOutput: "attention.out_lin", attentionNorm: "sa_layer_norm",
        intermediate: "ffn.lin1", output: "ffn.lin2", outputNorm: "output_layer_norm")
}
