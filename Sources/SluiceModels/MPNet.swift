import Foundation
import SluiceTensors

extension EncoderFamily {
    /// `model_type` `mpnet`. Mirrors `MPNetConfig` (`vocab_size` 30527,
    /// `relative_attention_num_buckets`), `MPNetModel` and its heads: `MPNetLMHead` and
    /// `MPNetClassificationHead`, laid out as RoBERTa's.
    public static let mpnet = EncoderFamily(
        modelType: "mpnet", classPrefix: "MPNet", baseModelPrefix: "mpnet",
        config: ConfigSchema(
            vocabSize: .init("vocab_size", 30527), padTokenId: 1, typeVocabSize: nil,
            relativeAttentionNumBuckets: .init("relative_attention_num_buckets", 32)),
        positions: .afterPadding(1), ignoresTokenizerTypeIds: false,
        maskedLM: MaskedLMLayout(
            reference: "MPNetLMHead", dense: "lm_head.dense", activation: .gelu,
            layerNorm: "lm_head.layer_norm", decoder: "lm_head.decoder", sharedBias: "lm_head.bias"),
        sequenceClassification: ClassificationLayout(
            reference: "MPNetClassificationHead", dense: "classifier.dense", squash: .tanh,
            classifier: "classifier.out_proj"),
        architecture: MPNetArchitecture.self)
}

/// The MPNet encoder. Mirrors `MPNetModel`: word + position embeddings (positions from
/// `padding_idx + 1 = 2`, no token types), `MPNetLayer`s, and one relative position bias
/// (`encoder.relative_attention_bias`) shared by every layer and added to the attention scores.
enum MPNetArchitecture: EncoderArchitecture {
    static let reference = "MPNetModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        let encoder = weights.scoped("encoder")
        return EncoderParts(
            embeddings: try Embeddings(weights.scoped("embeddings"), config: config),
            layers: try BertArchitecture.postNormLayers(
                encoder.scoped("layer"), names: layer, config: config, bias: 0),
            tables: [
                try MPNetRelativePositionBias(encoder.scoped("relative_attention_bias"), config: config)
            ])
    }

    /// `MPNetEncoder.compute_position_bias` always asks for 32 buckets, so a smaller table is refused.
    static func check(_ config: EncoderConfig, path: String) throws {
        guard config.relativeAttentionNumBuckets >= MPNetRelativePositionBias.bucketCount else {
            throw ModelError(
                "\(path): relative_attention_num_buckets \(config.relativeAttentionNumBuckets) is below the 32 buckets MPNet uses"
            )
        }
    }

    /// Mirrors `MPNetLayer`; its scores gain the encoder's relative position bias (table 0).
    static let layer = PostNormLayer.Names(
        query: "attention.attn.q", key: "attention.attn.k", value: "attention.attn.v",
        attentionOutput: "attention.attn.o", attentionNorm: "attention.LayerNorm",
        intermediate: "intermediate.dense", output: "output.dense", outputNorm: "output.LayerNorm")
}

/// MPNet's relative position bias: `relative_attention_bias.weight` is `[buckets, heads]`, and
/// the score of query `i` for key `j` gains `weight[bucket(j − i), head]`. Mirrors
/// `MPNetEncoder.compute_position_bias` and `relative_position_bucket`.
struct MPNetRelativePositionBias: PassTable {
    let weight: WeightBuffer
    let heads: Int
    let buckets: Int

    /// `compute_position_bias` always asks for 32 buckets and a maximum distance of 128,
    /// whatever `relative_attention_num_buckets` says (that only sizes the table).
    static let bucketCount = 32
    static let maxDistance = 128

    init(_ weights: WeightStore, config: EncoderConfig) throws {
        buckets = config.relativeAttentionNumBuckets
        heads = config.numAttentionHeads
        weight = try weights.tensor("weight", shape: [buckets, heads])
    }

    /// The bucket of relative position `j − i`: half the buckets for keys before the query
    /// and half after; within each, exact distances below 8, then logarithmic up to 128.
    /// The logarithm is taken in f32 as the reference does, so boundaries fall alike.
    static func bucket(_ relativePosition: Int) -> Int {
        let half = bucketCount / 2
        var n = -relativePosition
        var bucket = n < 0 ? half : 0
        n = abs(n)
        let maxExact = half / 2
        if n < maxExact { return bucket + n }
        let scaled =
            logf(Float(n) / Float(maxExact)) / Float(log(Double(maxDistance) / Double(maxExact)))
            * Float(half - maxExact)
        bucket += min(maxExact + Int(scaled), half - 1)
        return bucket
    }

    func table(span: Int) -> [Float] {
        guard span > 0 else { return [] }
        let width = 2 * span - 1
        var table = [Float](repeating: 0, count: heads * width)
        for r in -(span - 1)...(span - 1) {
            let row = weight.baseAddress + Self.bucket(r) * heads
            for h in 0..<heads { table[h * width + r + span - 1] = row[h] }
        }
        return table
    }
}
