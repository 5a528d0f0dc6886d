import SluiceTensors

/// Mirrors `BertOnlyMLMHead` (`cls.predictions`): dense + activation + layer norm, then the
/// vocabulary projection, tied to the word embeddings when the checkpoint has no
/// `cls.predictions.decoder.weight`.
///
/// The projection is 2·hidden·vocab FLOP per row (47 MFLOP for bert-base), so it runs only
/// on the rows asked for: the masked positions.
public struct BertMaskedLMHead: Sendable {
    let transform: Linear
    let layerNorm: LayerNorm
    let decoder: WeightBuffer
    let bias: WeightBuffer
    let config: BertConfig

    /// Loads `cls.predictions.*` (and the word embeddings when the decoder is tied).
    public init(weights: WeightStore, config: BertConfig) throws {
        let head = weights.scoped("cls.predictions")
        let h = config.hiddenSize
        let v = config.vocabSize
        transform = try Linear(head.scoped("transform.dense"), in: h, out: h)
        layerNorm = try LayerNorm(head.scoped("transform.LayerNorm"), width: h, eps: config.layerNormEps)
        // Tied (the default), transformers makes the decoder the word embeddings and its bias
        // cls.predictions.bias; untied, the forward pass uses cls.predictions.decoder.*.
        let base = weights.baseScope("bert", probe: "embeddings.word_embeddings.weight")
        let tied = config.tieWordEmbeddings || !head.contains("decoder.weight")
        decoder =
            tied
            ? try base.tensor("embeddings.word_embeddings.weight", shape: [v, h])
            : try head.tensor("decoder.weight", shape: [v, h])
        let useDecoderBias =
            head.contains("decoder.bias") && (!config.tieWordEmbeddings || !head.contains("bias"))
        bias = try head.tensor(useDecoderBias ? "decoder.bias" : "bias", shape: [v])
        self.config = config
    }

    /// Vocabulary logits `[rows.count, vocab]` for the given rows of `hidden`.
    public func logits(_ hidden: HiddenStates, rows: [Int]) -> [Float] {
        let h = config.hiddenSize
        let v = config.vocabSize
        let m = rows.count
        guard m > 0 else { return [] }
        var gathered = [Float](repeating: 0, count: m * h)
        for (i, row) in rows.enumerated() {
            gathered.replaceSubrange((i * h)..<((i + 1) * h), with: hidden.row(row))
        }
        var transformed = [Float](repeating: 0, count: m * h)
        var logits = [Float](repeating: 0, count: m * v)
        gathered.withUnsafeBufferPointer { input in
            transformed.withUnsafeMutableBufferPointer { t in
                transform.forward(input.baseAddress!, rows: m, into: t.baseAddress!)
                config.hiddenAct.apply(t.baseAddress!, count: m * h)
                layerNorm.forward(inPlace: t.baseAddress!, rows: m)
            }
        }
        transformed.withUnsafeBufferPointer { t in
            logits.withUnsafeMutableBufferPointer { out in
                linearForward(
                    out: out.baseAddress!, input: t.baseAddress!, weight: decoder.baseAddress,
                    bias: bias.baseAddress, rows: m, inFeatures: h, outFeatures: v)
            }
        }
        return logits
    }
}
