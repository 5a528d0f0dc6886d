import SluiceTensors

extension EncoderFamily {
    /// `model_type` `deberta-v2` (DeBERTa-v2 and v3). Mirrors `DebertaV2Config` (its defaults:
    /// `vocab_size` 128100, `hidden_size` 1536, 24 layers and heads, `intermediate_size` 6144,
    /// `type_vocab_size` 0, `layer_norm_eps` 1e-7), `DebertaV2Model` and its heads, which the
    /// family's file builds itself (`DebertaV2Architecture.head`).
    public static let debertaV2 = DebertaV2Architecture.family(
        modelType: "deberta-v2", classPrefix: "DebertaV2", baseModelPrefix: "deberta",
        ignoresTokenizerTypeIds: false,
        config: ConfigSchema(
            vocabSize: .init("vocab_size", 128_100), hiddenSize: .init("hidden_size", 1536),
            numHiddenLayers: .init("num_hidden_layers", 24),
            numAttentionHeads: .init("num_attention_heads", 24),
            intermediateSize: .init("intermediate_size", 6144), typeVocabSize: .init("type_vocab_size", 0),
            typeVocabSizeMayBeZero: true, embeddingSize: .init("embedding_size", 0),
            layerNormEpsFallback: 1e-7))
}

/// The DeBERTa-v2 encoder. Mirrors `DebertaV2Model`: `DebertaV2Embeddings`, then
/// `encoder.layer.N` post-norm blocks whose attention is disentangled (`DisentangledAttention`,
/// reading the encoder's relative table `rel_embeddings`, normed by `encoder.LayerNorm` when
/// `norm_rel_ebd` says so), and `encoder.conv` after the first block when `conv_kernel_size`
/// is set.
enum DebertaV2Architecture: ArchitectureWithSettings {
    static let reference = "DebertaV2Model"

    /// The pass table of relative rows (`DisentangledPositions`), by index in `EncoderParts.tables`.
    private static let positions = 0

    static func parts(
        _ weights: WeightStore, config: EncoderConfig, settings: DebertaV2Settings
    ) throws -> EncoderParts {
        let h = config.hiddenSize
        let encoder = weights.scoped("encoder")
        let table =
            settings.relativeAttention ? try relativeTable(encoder, config: config, settings: settings) : nil
        var layers: [any EncoderBlock] = try (0..<config.numHiddenLayers).map { index in
            let scope = encoder.scoped("layer.\(index)")
            return try PostNormLayer(
                scope, names: layer, config: config,
                attention: attention(scope, config: config, settings: settings, table: table))
        }
        if settings.convolutionKernel > 0, let first = layers.first {
            layers[0] = ConvolvedLayer(
                layer: first,
                convolution: try Convolution1D(
                    encoder.scoped("conv.conv"), channels: h, kernel: settings.convolutionKernel,
                    groups: settings.convolutionGroups),
                activation: settings.convolutionActivation,
                norm: try LayerNorm(encoder.scoped("conv.LayerNorm"), width: h, eps: config.layerNormEps))
        }
        return EncoderParts(
            embeddings: try DebertaV2Embeddings(
                weights.scoped("embeddings"), config: config, settings: settings),
            layers: layers,
            tables: settings.relativeAttention
                ? [
                    DisentangledPositions(
                        buckets: settings.positionBuckets, maxRelative: settings.maxRelativePositions,
                        attentionSpan: settings.attentionSpan)
                ] : [])
    }

    /// Mirrors `DebertaV2Layer`: `DisentangledSelfAttention`'s projections, `DebertaV2SelfOutput`,
    /// `DebertaV2Intermediate`, `DebertaV2Output`.
    static let layer = PostNormLayer.Names(
        query: "attention.self.query_proj", key: "attention.self.key_proj",
        value: "attention.self.value_proj",
        attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
        intermediate: "intermediate.dense", output: "output.dense", outputNorm: "output.LayerNorm")

    /// `DebertaV2Encoder.get_rel_embedding`: `rel_embeddings.weight`, `[2·att_span, hidden]`,
    /// through `LayerNorm` when `norm_rel_ebd` names `layer_norm`.
    private static func relativeTable(
        _ encoder: WeightStore, config: EncoderConfig, settings: DebertaV2Settings
    ) throws -> [Float] {
        let h = config.hiddenSize
        let rows = 2 * settings.attentionSpan
        let stored = try encoder.tensor("rel_embeddings.weight", shape: [rows, h])
        var table = Array(UnsafeBufferPointer(start: stored.baseAddress, count: rows * h))
        if settings.normalizesRelativeEmbeddings {
            let norm = try LayerNorm(encoder.scoped("LayerNorm"), width: h, eps: config.layerNormEps)
            table.withUnsafeMutableBufferPointer { norm.forward(inPlace: $0.baseAddress!, rows: rows) }
        }
        return table
    }

    /// One layer's `DisentangledSelfAttention`, its relative table projected once: by
    /// `pos_key_proj` (c2p) and `pos_query_proj` (p2c), or with `share_att_key` by the layer's
    /// own key and query projections.
    private static func attention(
        _ scope: WeightStore, config: EncoderConfig, settings: DebertaV2Settings, table: [Float]?
    ) throws -> DisentangledAttention {
        let h = config.hiddenSize
        func linear(_ name: String) throws -> Linear { try Linear(scope.scoped(name), in: h, out: h) }
        let query = try linear(layer.query)
        let key = try linear(layer.key)
        var relative: DisentangledAttention.RelativeTerms?
        if let table {
            let rows = 2 * settings.attentionSpan
            func projected(_ shared: Linear, _ own: String) throws -> [Float] {
                let projection = settings.shareAttentionKey ? shared : try linear("attention.self.\(own)")
                return projection.forward(table, rows: rows)
            }
            relative = DisentangledAttention.RelativeTerms(
                keys: settings.contentToPosition ? try projected(key, "pos_key_proj") : nil,
                queries: settings.positionToContent ? try projected(query, "pos_query_proj") : nil,
                table: positions)
        }
        return DisentangledAttention(
            projections: SelfAttention(
                query: query, key: key, value: try linear(layer.value),
                output: try linear(layer.attentionOutput),
                config: config, bias: nil, rotary: nil),
            scale: 1 / (Float(config.headDim) * Float(settings.scaleFactor)).squareRoot(), relative: relative)
    }

    /// The heads of `DebertaV2ForMaskedLM` (`cls.predictions` with `legacy`, else
    /// `lm_predictions.lm_head`), `DebertaV2ForSequenceClassification` (`ContextPooler`:
    /// `pooler.dense` and `pooler_hidden_act` on the first token, then `classifier`), and the
    /// token classification and question answering heads laid out as BERT's.
    static func head(
        _ kind: HeadKind, weights: WeightStore, config: EncoderConfig, settings: DebertaV2Settings
    ) throws -> any EncoderHead {
        let h = config.hiddenSize
        switch kind {
        case .maskedLM where settings.legacyMaskedLM:
            return try maskedLMHead(weights, config, layout: legacyMaskedLM)
        case .maskedLM:
            return try predictionHead(weights, config: config)
        case .sequenceClassification:
            return RowHead(
                kind: kind, reference: "ContextPooler + DebertaV2ForSequenceClassification.classifier",
                steps: [
                    .linear(try Linear(weights.scoped("pooler.dense"), in: h, out: h)),
                    settings.poolerActivation,
                    .linear(try labelLinear(weights.scoped("classifier"), config)),
                ], inputWidth: h, runtime: weights.runtime)
        case .tokenClassification, .questionAnswering:
            return try layoutHead(kind, weights: weights, config: config)
        }
    }

    /// Mirrors `LegacyDebertaV2OnlyMLMHead` (`cls.predictions`): dense to `embedding_size`,
    /// `hidden_act`, LayerNorm, then the decoder tied to the word embeddings (and its bias to
    /// `cls.predictions.bias`) as transformers 5 ties them.
    static let legacyMaskedLM = MaskedLMLayout(
        reference: "LegacyDebertaV2OnlyMLMHead", dense: "cls.predictions.transform.dense", activation: nil,
        layerNorm: "cls.predictions.transform.LayerNorm", decoder: "cls.predictions.decoder",
        sharedBias: "cls.predictions.bias", decodesFromEmbeddingSize: true)

    /// Mirrors `DebertaV2OnlyMLMHead` (`lm_predictions.lm_head`, `legacy: false`): dense,
    /// `hidden_act`, LayerNorm, then the word embeddings themselves as the decoder, plus
    /// `lm_head.bias`.
    private static func predictionHead(_ weights: WeightStore, config: EncoderConfig) throws -> RowHead {
        let h = config.hiddenSize
        let head = weights.scoped("lm_predictions.lm_head")
        let words = try weights.encoderScope(config.family).linearWeight(
            config.family.wordEmbeddings, shape: [config.vocabSize, h])
        return RowHead(
            kind: .maskedLM, reference: "DebertaV2OnlyMLMHead",
            steps: [
                .linear(try Linear(head.scoped("dense"), in: h, out: h)), .activation(config.hiddenAct),
                .layerNorm(try LayerNorm(head.scoped("LayerNorm"), width: h, eps: config.layerNormEps)),
                .linear(
                    Linear(
                        weight: words, bias: try head.tensor("bias", shape: [config.vocabSize]),
                        runtime: weights.runtime)),
            ], inputWidth: h, runtime: weights.runtime)
    }
}
