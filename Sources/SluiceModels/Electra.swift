import SluiceTensors

/// The ELECTRA encoder (discriminator or generator). Mirrors `ElectraModel`: embeddings of
/// width `embedding_size`, projected to `hidden_size` by `embeddings_project` when the two
/// differ, then BERT's layers.
enum ElectraArchitecture: EncoderArchitecture {
    static let families: [EncoderFamily] = [.electra]
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
