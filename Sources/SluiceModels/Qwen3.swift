import SluiceJSON
import SluiceTensors

extension EncoderFamily {
    /// `model_type` `qwen3`, run as an encoder of text. Mirrors `Qwen3Config` (its defaults:
    /// `vocab_size` 151936, `hidden_size` 4096, `intermediate_size` 22016, 32 layers, 32 heads,
    /// 32 key and value heads, `head_dim` 128, SiLU, `rms_norm_eps` 1e-6, no pad token),
    /// `Qwen3Model` and the heads of `Qwen3ForSequenceClassification` and
    /// `Qwen3ForTokenClassification`, which the family's file builds (`Qwen3Architecture.head`).
    public static let qwen3 = Qwen3Architecture.family(
        modelType: "qwen3", classPrefix: "Qwen3", baseModelPrefix: "model", ignoresTokenizerTypeIds: true,
        wordEmbeddings: "embed_tokens.weight",
        config: ConfigSchema(
            vocabSize: .init("vocab_size", 151_936), hiddenSize: .init("hidden_size", 4096),
            numHiddenLayers: .init("num_hidden_layers", 32),
            numAttentionHeads: .init("num_attention_heads", 32),
            intermediateSize: .init("intermediate_size", 22016), hiddenActFallback: "silu", padTokenId: nil,
            typeVocabSize: nil, maxPositionEmbeddings: .init("max_position_embeddings", 32768),
            layerNormEps: "rms_norm_eps", layerNormEpsFallback: 1e-6, headDim: .init("head_dim", 128),
            numKeyValueHeads: .init("num_key_value_heads", 32)))
}

/// The Qwen3 decoder as an encoder of text. Mirrors `Qwen3Model`: token embeddings (no
/// position rows), pre-norm `Qwen3DecoderLayer`s with RMS norms, whose attention projects
/// `heads` queries and `num_key_value_heads` keys and values of `head_dim`, normalises each
/// query and key head, turns them by rotary angles and attends causally (within
/// `sliding_window` on sliding layers); a gated SiLU feed-forward block; a final norm.
enum Qwen3Architecture: ArchitectureWithSettings {
    static let reference = "Qwen3Model"

    static func parts(
        _ weights: WeightStore, config: EncoderConfig, settings: Qwen3Settings
    ) throws -> EncoderParts {
        let (h, inner, d) = (config.hiddenSize, config.intermediateSize, config.headDim)
        let (width, kvWidth) = (config.numAttentionHeads * d, config.numKeyValueHeads * d)
        let eps = config.layerNormEps
        let heads = config.numAttentionHeads
        // The pass tables the layers read, each layer naming its own by index here; the window's
        // table only where sliding layers read it (Qwen3Settings refuses them without one).
        let tables: [any PassTable] =
            [RotaryAngles(base: settings.ropeTheta, headDim: d), VisibilityBias.causal(heads: heads)]
            + (settings.slidingWindow.map { [VisibilityBias.causal(window: $0, heads: heads)] } ?? [])
        let (angles, causal, slidingCausal) = (0, 1, 2)
        let layers: [any EncoderBlock] = try (0..<config.numHiddenLayers).map { index in
            let layer = weights.scoped("layers.\(index)")
            let attention = layer.scoped("self_attn")
            func projection(_ name: String, in: Int, out: Int) throws -> Linear {
                try Linear(attention.scoped(name), in: `in`, out: out, bias: settings.attentionBias)
            }
            func mlp(_ name: String, in: Int, out: Int) throws -> Linear {
                try Linear(layer.scoped("mlp.\(name)"), in: `in`, out: out, bias: false)
            }
            return PreNormLayer(
                attentionNorm: try RMSNorm(layer.scoped("input_layernorm"), width: h, eps: eps),
                attention: SelfAttention(
                    query: try projection("q_proj", in: h, out: width),
                    key: try projection("k_proj", in: h, out: kvWidth),
                    value: try projection("v_proj", in: h, out: kvWidth),
                    output: try projection("o_proj", in: width, out: h), config: config,
                    bias: settings.slidingLayers[index] ? slidingCausal : causal, rotary: angles,
                    headNorms: (
                        try RMSNorm(attention.scoped("q_norm"), width: d, eps: eps),
                        try RMSNorm(attention.scoped("k_norm"), width: d, eps: eps)
                    )),
                feedForwardNorm: try RMSNorm(layer.scoped("post_attention_layernorm"), width: h, eps: eps),
                // act(gate_proj(x)) · up_proj(x) → down_proj
                feedForward: GatedMLP(
                    activated: try mlp("gate_proj", in: h, out: inner),
                    gate: try mlp("up_proj", in: h, out: inner),
                    activation: config.hiddenAct, output: try mlp("down_proj", in: inner, out: h)))
        }
        return EncoderParts(
            embeddings: try WordEmbeddings(
                weights.scoped("embed_tokens"), vocabSize: config.vocabSize, width: h, norm: nil),
            layers: layers, tables: tables,
            finalNorm: try RMSNorm(weights.scoped("norm"), width: h, eps: eps), feedForwardWidth: 2 * inner)
    }

    /// `GenericForSequenceClassification.score` (no bias) on each sequence's last non-padding
    /// token, or `GenericForTokenClassification.score` (a bias unless
    /// `token_classification_bias` is false) on every token. Qwen3 has no masked LM, and its
    /// question-answering class keeps its encoder under another prefix (`transformer`), which
    /// Sluice does not load.
    static func head(
        _ kind: HeadKind, weights: WeightStore, config: EncoderConfig, settings: Qwen3Settings
    ) throws -> any EncoderHead {
        let bias: Bool
        switch kind {
        case .sequenceClassification: bias = false
        case .tokenClassification: bias = settings.tokenClassificationBias
        case .maskedLM, .questionAnswering:
            throw ModelError(
                "Qwen3\(kind.classSuffix) is not supported (supported: Qwen3ForSequenceClassification, Qwen3ForTokenClassification)"
            )
        }
        return RowHead(
            kind: kind, reference: "Qwen3\(kind.classSuffix).score",
            steps: [
                .linear(
                    try Linear(
                        weights.scoped("score"), in: config.hiddenSize, out: config.numLabels, bias: bias))
            ],
            inputWidth: config.hiddenSize, runtime: weights.runtime,
            pooling: kind == .sequenceClassification ? .last : .first)
    }
}

/// The fields of a Qwen3 `config.json` only this family reads, with `Qwen3Config`'s defaults.
/// What Sluice does not run is refused here, naming the field: a rotary kind other than the
/// default, a sliding layer without a window, the question-answering class.
struct Qwen3Settings: FamilySettings {
    var attentionBias = false
    var tokenClassificationBias = true
    /// `rope_parameters.rope_theta`, or the top-level `rope_theta` of older files.
    var ropeTheta = 10_000.0
    /// Per layer: whether it attends within `slidingWindow` only.
    var slidingLayers: [Bool] = []
    /// `sliding_window` where `use_sliding_window` is true, as `Qwen3Config.__post_init__` keeps it.
    var slidingWindow: Int?

    init(_ config: EncoderConfig, path: String) throws {
        let fields = ConfigFields(json: config.json, path: path)
        let json = config.json
        if config.architectures.first == "Qwen3ForQuestionAnswering" {
            throw ModelError(
                "\(path): architectures Qwen3ForQuestionAnswering is not supported (supported: Qwen3Model, Qwen3ForSequenceClassification, Qwen3ForTokenClassification)"
            )
        }
        attentionBias = try fields.bool("attention_bias", false)
        tokenClassificationBias = try fields.bool("token_classification_bias", true)
        try fields.checkRotaryKind(json["rope_scaling"], "rope_scaling")
        ropeTheta = try fields.positive(json["rope_theta"], 10_000, "rope_theta")
        if let rope = json["rope_parameters"], !rope.isNull {
            try fields.checkRotaryKind(rope, "rope_parameters")
            ropeTheta = try fields.positive(rope["rope_theta"], ropeTheta, "rope_parameters.rope_theta")
        }
        guard config.headDim % 2 == 0 else {
            throw ModelError("\(path): rotary positions need an even head_dim, found \(config.headDim)")
        }
        if try fields.bool("use_sliding_window", false) {
            slidingWindow = try fields.int("sliding_window", 4096)
        }
        if let window = slidingWindow, window < 1 {
            throw ModelError("\(path): sliding_window must be positive, found \(window)")
        }
        let layers = config.numHiddenLayers
        if let full = try fields.layerTypes(layers: layers) {
            slidingLayers = full.map { !$0 }
        } else {
            let first = try fields.int("max_window_layers", 28)
            slidingLayers = (0..<layers).map { slidingWindow != nil && $0 >= first }
        }
        if slidingLayers.contains(true) && slidingWindow == nil {
            throw ModelError(
                "\(path): layer_types has sliding_attention layers but use_sliding_window is false (no sliding_window); not supported"
            )
        }
    }
}
