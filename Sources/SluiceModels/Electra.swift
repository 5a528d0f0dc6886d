import SluiceTensors

extension EncoderFamily {
    /// `model_type` `electra`. Mirrors `ElectraConfig` (`embedding_size`), `ElectraModel` and
    /// its heads: `ElectraGeneratorPredictions` (dense to `embedding_size`, exact GELU,
    /// LayerNorm) then `generator_lm_head`; `ElectraClassificationHead`, whose GELU is there
    /// because "although BERT uses tanh here, it seems Electra authors used gelu here".
    public static let electra = EncoderFamily(
        modelType: "electra", classPrefix: "Electra", baseModelPrefix: "electra",
        config: ConfigSchema(
            hiddenSize: .init("hidden_size", 256), numAttentionHeads: .init("num_attention_heads", 4),
            intermediateSize: .init("intermediate_size", 1024), embeddingSize: .init("embedding_size", 128)),
        positions: .fromZero, ignoresTokenizerTypeIds: false,
        maskedLM: MaskedLMLayout(
            reference: "ElectraGeneratorPredictions + generator_lm_head",
            dense: "generator_predictions.dense", activation: .gelu,
            layerNorm: "generator_predictions.LayerNorm", decoder: "generator_lm_head", sharedBias: nil,
            decodesFromEmbeddingSize: true),
        sequenceClassification: ClassificationLayout(
            reference: "ElectraClassificationHead", dense: "classifier.dense", squash: .activation(.gelu),
            classifier: "classifier.out_proj"),
        architecture: ElectraArchitecture.self)
}

/// The ELECTRA encoder (discriminator or generator). Mirrors `ElectraModel`: embeddings of
/// width `embedding_size`, projected to `hidden_size` by `embeddings_project` when the two
/// differ, then BERT's layers.
enum ElectraArchitecture: EncoderArchitecture {
    static let reference = "ElectraModel"

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        let embeddings = try Embeddings(weights.scoped("embeddings"), config: config)
        let layers = try BertArchitecture.layers(weights, config: config)
        guard config.embeddingSize != config.hiddenSize else {
            return EncoderParts(embeddings: embeddings, layers: layers)
        }
        let project = try Linear(
            weights.scoped("embeddings_project"), in: config.embeddingSize, out: config.hiddenSize)
        return EncoderParts(
            embeddings: ProjectedEmbeddings(embeddings: embeddings, project: project), layers: layers)
    }
}

/// Embeddings narrower than the hidden state, widened by a linear layer (ELECTRA's
/// `embeddings_project`).
struct ProjectedEmbeddings: TokenEmbedding {
    let embeddings: Embeddings
    let project: Linear

    var width: Int { project.outFeatures }

    func forward(_ batch: RaggedBatch, into out: UnsafeMutablePointer<Float>) throws {
        let embedded = Scratch(batch.tokenCount * embeddings.width)
        try embeddings.forward(batch, into: embedded.pointer)
        project.forward(embedded.pointer, rows: batch.tokenCount, into: out)
    }
}
