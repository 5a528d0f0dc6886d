import SluiceJSON
import SluiceTensors

extension EncoderFamily {
    /// `model_type` `modernbert`. Mirrors `ModernBertConfig` (its defaults: `vocab_size`
    /// 50368, `intermediate_size` 1152, 22 layers, `norm_eps` 1e-5, `hidden_activation`,
    /// `pad_token_id` 50283, 8192 positions), `ModernBertModel` and its heads, which the
    /// family's file builds itself (`ModernBertArchitecture.head`).
    public static let modernbert = ModernBertArchitecture.family(
        modelType: "modernbert", classPrefix: "ModernBert", baseModelPrefix: "model",
        ignoresTokenizerTypeIds: true, wordEmbeddings: "embeddings.tok_embeddings.weight",
        config: ConfigSchema(
            vocabSize: .init("vocab_size", 50368), intermediateSize: .init("intermediate_size", 1152),
            hiddenAct: "hidden_activation", padTokenId: 50283, typeVocabSize: nil,
            maxPositionEmbeddings: .init("max_position_embeddings", 8192), layerNormEps: "norm_eps",
            layerNormEpsFallback: 1e-5))
}

/// The ModernBERT encoder. Mirrors `ModernBertModel`: token embeddings and a norm (no position
/// rows), pre-norm layers whose attention turns queries and keys by rotary angles (one base for
/// global layers, another for local ones) and, in local layers, sees only keys within
/// `local_attention / 2` tokens; a gated GELU feed-forward block; a final norm.
enum ModernBertArchitecture: ArchitectureWithSettings {
    static let reference = "ModernBertModel"

    static func parts(
        _ weights: WeightStore, config: EncoderConfig, settings: ModernBertSettings
    ) throws -> EncoderParts {
        let h = config.hiddenSize
        let inner = config.intermediateSize
        // The pass tables the layers read, each layer naming its own by index here.
        let tables: [any PassTable] = [
            RotaryAngles(base: settings.globalTheta, headDim: config.headDim),
            RotaryAngles(base: settings.localTheta, headDim: config.headDim),
            VisibilityBias.window(radius: settings.windowRadius, heads: config.numAttentionHeads),
        ]
        let (globalAngles, localAngles, window) = (0, 1, 2)
        func norm(_ scope: String) throws -> LayerNorm {
            try LayerNorm(weights.scoped(scope), width: h, eps: config.layerNormEps, bias: settings.normBias)
        }
        let layers: [any EncoderBlock] = try (0..<config.numHiddenLayers).map { index in
            let layer = "layers.\(index)"
            let qkv = try Linear.split(
                weights.scoped("\(layer).attn.Wqkv"), in: h, out: h, parts: 3, bias: settings.attentionBias)
            let global = settings.globalLayers[index]
            let attention = SelfAttention(
                query: qkv[0], key: qkv[1], value: qkv[2],
                output: try Linear(
                    weights.scoped("\(layer).attn.Wo"), in: h, out: h, bias: settings.attentionBias),
                config: config, bias: global ? nil : window, rotary: global ? globalAngles : localAngles)
            let wi = try Linear.split(
                weights.scoped("\(layer).mlp.Wi"), in: h, out: inner, parts: 2, bias: settings.mlpBias)
            let feedForward = GatedMLP(
                activated: wi[0], gate: wi[1], activation: config.hiddenAct,
                output: try Linear(
                    weights.scoped("\(layer).mlp.Wo"), in: inner, out: h, bias: settings.mlpBias))
            return PreNormLayer(
                attentionNorm: index == 0 ? nil : try norm("\(layer).attn_norm"), attention: attention,
                feedForwardNorm: try norm("\(layer).mlp_norm"), feedForward: feedForward)
        }
        return EncoderParts(
            embeddings: try WordEmbeddings(
                weights.scoped("embeddings.tok_embeddings"), vocabSize: config.vocabSize, width: h,
                norm: try norm("embeddings.norm")),
            layers: layers,
            tables: tables, finalNorm: try norm("final_norm"), feedForwardWidth: 2 * inner)
    }

    /// `ModernBertPredictionHead` (`head.dense`, `classifier_activation`, `head.norm`) before
    /// every head: the decoder of `ModernBertForMaskedLM` (tied to the token embeddings unless
    /// the file unties it), or the `classifier` of the sequence classification (after pooling
    /// as `classifier_pooling` says), token classification and question answering classes.
    static func head(
        _ kind: HeadKind, weights: WeightStore, config: EncoderConfig, settings: ModernBertSettings
    ) throws -> any EncoderHead {
        let h = config.hiddenSize
        let prediction: [HeadStep] = [
            .linear(try Linear(weights.scoped("head.dense"), in: h, out: h, bias: settings.classifierBias)),
            .activation(settings.classifierActivation),
            .layerNorm(
                try LayerNorm(
                    weights.scoped("head.norm"), width: h, eps: config.layerNormEps, bias: settings.normBias)),
        ]
        let last: Linear
        switch kind {
        case .maskedLM:
            last = try tiedDecoder(
                weights, weightName: "decoder.weight", biasName: settings.decoderBias ? "decoder.bias" : nil,
                sharedBias: nil, config: config, width: h)
        case .sequenceClassification, .tokenClassification:
            last = try labelLinear(weights.scoped("classifier"), config)
        case .questionAnswering:
            last = try Linear(weights.scoped("classifier"), in: h, out: 2)
        }
        return RowHead(
            kind: kind, reference: "ModernBertPredictionHead + ModernBert\(kind.classSuffix)",
            steps: prediction + [.linear(last)], inputWidth: h, runtime: weights.runtime,
            pooling: kind == .sequenceClassification ? settings.classifierPooling : .first)
    }
}

/// The fields of a ModernBERT `config.json` only this family reads, with `ModernBertConfig`'s
/// defaults; both the layout transformers 5 writes (`layer_types`, `rope_parameters`) and the
/// one the hub's folders hold (`global_attn_every_n_layers`, `global_rope_theta`,
/// `local_rope_theta`).
struct ModernBertSettings: FamilySettings {
    var normBias = false
    var attentionBias = false
    var mlpBias = false
    var classifierBias = false
    var decoderBias = true
    var classifierPooling = SequencePooling.first
    var classifierActivation = Activation.gelu
    /// Per layer: global attention (true) or within the window.
    var globalLayers: [Bool] = []
    var globalTheta = 160_000.0
    var localTheta = 10_000.0
    /// `local_attention // 2`: how far a local layer's query sees each side.
    var windowRadius = 64

    init(_ config: EncoderConfig, path: String) throws {
        let json = config.json
        let fields = ConfigFields(json: json, path: path)
        normBias = try fields.bool("norm_bias", false)
        attentionBias = try fields.bool("attention_bias", false)
        mlpBias = try fields.bool("mlp_bias", false)
        classifierBias = try fields.bool("classifier_bias", false)
        decoderBias = try fields.bool("decoder_bias", true)
        let pooling = json["classifier_pooling"]?.stringValue ?? "cls"
        guard let readPooling = SequencePooling(rawValue: pooling), readPooling != .last else {
            throw ModelError(
                "\(path): classifier_pooling \"\(pooling)\" is not supported (supported: cls, mean)")
        }
        classifierPooling = readPooling
        let activation = json["classifier_activation"]?.stringValue ?? "gelu"
        guard let readActivation = Activation(rawValue: activation) else {
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError(
                "\(path): classifier_activation \"\(activation)\" is not supported (supported: \(known))")
        }
        classifierActivation = readActivation
        let localAttention = try fields.int("local_attention", 128)
        guard localAttention >= 0 else { throw ModelError("\(path): local_attention must not be negative") }
        windowRadius = localAttention / 2
        globalLayers = try Self.layerKinds(fields, layers: config.numHiddenLayers)
        (globalTheta, localTheta) = try Self.thetas(fields)
        guard config.headDim % 2 == 0 else {
            throw ModelError("\(path): rotary positions need an even head width, found \(config.headDim)")
        }
        if let headDim = json["head_dim"], !headDim.isNull, headDim.integralValue != config.headDim {
            throw ModelError(
                "\(path): head_dim \(headDim.pythonJSON) differs from hidden_size / num_attention_heads (\(config.headDim)); not supported"
            )
        }
    }

    /// `layer_types` when the file has it, else every `global_attn_every_n_layers`-th layer
    /// (from layer 0) global, as `ModernBertConfig.__post_init__` derives it.
    private static func layerKinds(_ fields: ConfigFields, layers: Int) throws -> [Bool] {
        if let types = try fields.layerTypes(layers: layers) { return types }
        let every = try fields.int("global_attn_every_n_layers", 3)
        guard every > 0 else {
            throw ModelError("\(fields.path): global_attn_every_n_layers must be positive")
        }
        return (0..<layers).map { $0 % every == 0 }
    }

    /// The rotary bases of global and local layers: `rope_parameters` per layer type when the
    /// file has it, else `global_rope_theta` and `local_rope_theta`. Only the default rotary
    /// kind runs; scaled kinds (`rope_scaling`, another `rope_type`) are refused.
    private static func thetas(_ fields: ConfigFields) throws -> (Double, Double) {
        let json = fields.json
        try fields.checkRotaryKind(json["rope_scaling"], "rope_scaling")
        var global = try fields.positive(json["global_rope_theta"], 160_000, "global_rope_theta")
        var local = try fields.positive(json["local_rope_theta"], 10_000, "local_rope_theta")
        if let rope = json["rope_parameters"], !rope.isNull {
            if rope["rope_theta"] != nil {
                // One set for every layer type.
                try fields.checkRotaryKind(rope, "rope_parameters")
                global = try fields.positive(rope["rope_theta"], global, "rope_parameters.rope_theta")
                local = global
            } else {
                let full = rope["full_attention"]
                let sliding = rope["sliding_attention"]
                try fields.checkRotaryKind(full, "rope_parameters.full_attention")
                try fields.checkRotaryKind(sliding, "rope_parameters.sliding_attention")
                global = try fields.positive(
                    full?["rope_theta"], global, "rope_parameters.full_attention.rope_theta")
                local = try fields.positive(
                    sliding?["rope_theta"], local, "rope_parameters.sliding_attention.rope_theta")
            }
        }
        return (global, local)
    }
}
