/// Mirrors `BertOnlyMLMHead` (`cls.predictions`): dense + activation + layer norm, then the
/// vocabulary projection, tied to the word embeddings when the checkpoint has no
/// `cls.predictions.decoder.weight`.
///
/// The projection is 2·hidden·vocab FLOP per row (47 MFLOP for bert-base), so it runs only
/// on the rows asked for: the masked positions.
public struct BertMaskedLMHead: EncoderHead {
    let head: RowHead

    /// Loads `cls.predictions.*` (and the word embeddings when the decoder is tied).
    public init(weights: WeightStore, config: EncoderConfig) throws {
        let predictions = weights.scoped("cls.predictions")
        let h = config.hiddenSize
        let decoder = try tiedDecoder(
            predictions, weightName: "decoder.weight", biasName: "decoder.bias", sharedBias: "bias",
            words: weights, config: config, width: h)
        head = RowHead(
            kind: .maskedLM, reference: "BertOnlyMLMHead",
            steps: [
                .linear(try Linear(predictions.scoped("transform.dense"), in: h, out: h)),
                .activation(config.hiddenAct),
                .layerNorm(
                    try LayerNorm(
                        predictions.scoped("transform.LayerNorm"), width: h, eps: config.layerNormEps)),
                .linear(decoder),
            ], inputWidth: h, runtime: weights.runtime)
    }

    public var kind: HeadKind { .maskedLM }
    public var reference: String { head.reference }
    public var outputWidth: Int { head.outputWidth }

    /// Vocabulary logits `[rows.count, vocab]` for the given rows of `hidden`.
    public func logits(_ hidden: HiddenStates, rows: [Int]) -> [Float] { head.logits(hidden, rows: rows) }
}

/// A masked-LM decoder as transformers 5 ties it. Tied (`tie_word_embeddings`, the default,
/// or no decoder weight in the file), the weight is the word embeddings and the bias the
/// head's own `sharedBias`; untied, the forward pass uses the decoder's own weight and bias.
/// `width` is the decoder's input width (ELECTRA's generator decodes from `embedding_size`).
func tiedDecoder(
    _ head: WeightStore, weightName: String, biasName: String, sharedBias: String?, words: WeightStore,
    config: EncoderConfig, width: Int
) throws -> Linear {
    let v = config.vocabSize
    let tied = config.tieWordEmbeddings || !head.contains(weightName)
    let weight =
        tied
        ? try words.encoderScope(config.family).linearWeight(
            "embeddings.word_embeddings.weight", shape: [v, width])
        : try head.linearWeight(weightName, shape: [v, width])
    var name = biasName
    if let sharedBias, !head.contains(biasName) || (config.tieWordEmbeddings && head.contains(sharedBias)) {
        name = sharedBias
    }
    return Linear(weight: weight, bias: try head.tensor(name, shape: [v]), runtime: head.runtime)
}
