import SluiceTensors

/// Where a family's `…ForMaskedLM` checkpoint keeps its head, with names from the checkpoint's
/// top: a transform (dense, activation, layer norm), then the vocabulary projection, tied to the
/// word embeddings as `tiedDecoder` says. The family's file declares it
/// (`EncoderFamily.maskedLM`).
struct MaskedLMLayout: Sendable {
    /// The classes the head mirrors, for messages (`RobertaLMHead`).
    var reference: String
    /// The transform's dense layer (`lm_head.dense`).
    var dense: String
    /// The transform's activation; nil for the config's `hidden_act`.
    var activation: Activation?
    /// The transform's layer norm (`lm_head.layer_norm`), with the config's `layer_norm_eps`.
    var layerNorm: String
    /// The vocabulary projection (`lm_head.decoder`: `.weight`, `.bias`).
    var decoder: String
    /// The head's own bias, which a tied decoder uses (`lm_head.bias`); nil where it has none.
    var sharedBias: String?
    /// Whether the transform narrows to `embedding_size` and the projection decodes from it
    /// (ELECTRA's generator), rather than staying `hidden_size` wide.
    var decodesFromEmbeddingSize = false
}

/// The masked-LM head `layout` describes. The projection is 2·width·vocab FLOP per row
/// (47 MFLOP for bert-base), so it runs only on the rows asked for: the masked positions.
func maskedLMHead(_ weights: WeightStore, _ config: EncoderConfig, layout: MaskedLMLayout) throws -> RowHead {
    let h = config.hiddenSize
    let width = layout.decodesFromEmbeddingSize ? config.embeddingSize : h
    let decoder = try tiedDecoder(
        weights, weightName: "\(layout.decoder).weight", biasName: "\(layout.decoder).bias",
        sharedBias: layout.sharedBias, config: config, width: width)
    return RowHead(
        kind: .maskedLM, reference: layout.reference,
        steps: [
            .linear(try Linear(weights.scoped(layout.dense), in: h, out: width)),
            .activation(layout.activation ?? config.hiddenAct),
            .layerNorm(
                try LayerNorm(weights.scoped(layout.layerNorm), width: width, eps: config.layerNormEps)),
            .linear(decoder),
        ], inputWidth: h, runtime: weights.runtime)
}

/// A masked-LM decoder as transformers 5 ties it, with names from the checkpoint's top. Tied
/// (`tie_word_embeddings`, the default, or no decoder weight in the file), the weight is the
/// family's word embeddings and the bias the head's own `sharedBias`; untied, the forward pass
/// uses the decoder's own weight and bias. `width` is the decoder's input width (ELECTRA's
/// generator decodes from `embedding_size`); `biasName` nil for a decoder without a bias
/// (ModernBERT's `decoder_bias: false`).
func tiedDecoder(
    _ weights: WeightStore, weightName: String, biasName: String?, sharedBias: String?,
    config: EncoderConfig, width: Int
) throws -> Linear {
    let v = config.vocabSize
    let tied = config.tieWordEmbeddings || !weights.contains(weightName)
    let weight =
        tied
        ? try weights.encoderScope(config.family).linearWeight(
            config.family.wordEmbeddings, shape: [v, width])
        : try weights.linearWeight(weightName, shape: [v, width])
    guard var name = biasName else { return Linear(weight: weight, bias: nil, runtime: weights.runtime) }
    if let sharedBias,
        !weights.contains(name) || (config.tieWordEmbeddings && weights.contains(sharedBias))
    {
        name = sharedBias
    }
    return Linear(weight: weight, bias: try weights.tensor(name, shape: [v]), runtime: weights.runtime)
}
