/// The BERT encoder. Mirrors `transformers.BertModel`; its pooler (`pooler.dense` + tanh on the
/// first token) belongs to the sequence-classification head, the only head that reads it.
public struct BertModel: EncoderModel {
    /// The model's configuration.
    public let config: EncoderConfig
    let stack: EncoderStack

    /// Loads the encoder from `weights`, with or without the `bert.` prefix.
    public init(weights: WeightStore, config: EncoderConfig) throws {
        try requireFamily(config, [.bert], model: "BertModel")
        let base = weights.encoderScope(config.family)
        stack = try .bertStyle(base, config: config)
        self.config = config
    }

    /// Runs the encoder over a ragged batch: `[tokens, hidden]` for every token.
    public func forward(_ batch: RaggedBatch) throws -> HiddenStates { try stack.forward(batch) }

    /// The last hidden state of `rows` alone, their last layer's feed-forward work done for them only.
    public func forward(_ batch: RaggedBatch, keeping rows: [Int]) throws -> HiddenStates {
        try stack.forward(batch, keeping: rows)
    }
}

/// The RoBERTa encoder, and XLM-R's and CamemBERT's, which are copies of it. Mirrors
/// `RobertaModel`: BERT's layers, with positions counted from `pad_token_id + 1`.
public struct RobertaModel: EncoderModel {
    /// The model's configuration.
    public let config: EncoderConfig
    let stack: EncoderStack

    /// Loads the encoder from `weights`, with or without the `roberta.` prefix.
    public init(weights: WeightStore, config: EncoderConfig) throws {
        try requireFamily(config, [.roberta, .xlmRoberta, .camembert], model: "RobertaModel")
        let base = weights.encoderScope(config.family)
        stack = try .bertStyle(base, config: config)
        self.config = config
    }

    /// Runs the encoder over a ragged batch: `[tokens, hidden]` for every token.
    public func forward(_ batch: RaggedBatch) throws -> HiddenStates { try stack.forward(batch) }

    /// The last hidden state of `rows` alone, their last layer's feed-forward work done for them only.
    public func forward(_ batch: RaggedBatch, keeping rows: [Int]) throws -> HiddenStates {
        try stack.forward(batch, keeping: rows)
    }
}

/// The ELECTRA encoder (discriminator or generator). Mirrors `ElectraModel`: embeddings of
/// width `embedding_size`, projected to `hidden_size` by `embeddings_project` when the two
/// differ, then BERT's layers.
public struct ElectraModel: EncoderModel {
    /// The model's configuration.
    public let config: EncoderConfig
    let stack: EncoderStack

    /// Loads the encoder from `weights`, with or without the `electra.` prefix.
    public init(weights: WeightStore, config: EncoderConfig) throws {
        try requireFamily(config, [.electra], model: "ElectraModel")
        let base = weights.encoderScope(config.family)
        let project =
            config.embeddingSize == config.hiddenSize
            ? nil
            : try Linear(base.scoped("embeddings_project"), in: config.embeddingSize, out: config.hiddenSize)
        stack = try .bertStyle(base, config: config, embeddingsProject: project)
        self.config = config
    }

    /// Runs the encoder over a ragged batch: `[tokens, hidden]` for every token.
    public func forward(_ batch: RaggedBatch) throws -> HiddenStates { try stack.forward(batch) }

    /// The last hidden state of `rows` alone, their last layer's feed-forward work done for them only.
    public func forward(_ batch: RaggedBatch, keeping rows: [Int]) throws -> HiddenStates {
        try stack.forward(batch, keeping: rows)
    }
}

/// The DistilBERT encoder. Mirrors `DistilBertModel`: word + position embeddings (no token
/// types: type ids are ignored), then `transformer.layer.N` blocks.
public struct DistilBertModel: EncoderModel {
    /// The model's configuration.
    public let config: EncoderConfig
    let stack: EncoderStack

    /// Loads the encoder from `weights`, with or without the `distilbert.` prefix.
    public init(weights: WeightStore, config: EncoderConfig) throws {
        try requireFamily(config, [.distilbert], model: "DistilBertModel")
        let base = weights.encoderScope(config.family)
        stack = EncoderStack(
            config: config, embeddings: try Embeddings(base.scoped("embeddings"), config: config),
            embeddingsProject: nil,
            layers: try (0..<config.numHiddenLayers).map {
                try EncoderLayer.distilBert(base.scoped("transformer.layer.\($0)"), config: config)
            }, relativeBias: nil)
        self.config = config
    }

    /// Runs the encoder over a ragged batch: `[tokens, hidden]` for every token.
    public func forward(_ batch: RaggedBatch) throws -> HiddenStates { try stack.forward(batch) }

    /// The last hidden state of `rows` alone, their last layer's feed-forward work done for them only.
    public func forward(_ batch: RaggedBatch, keeping rows: [Int]) throws -> HiddenStates {
        try stack.forward(batch, keeping: rows)
    }
}

extension EncoderStack {
    /// BERT's shape, shared by BERT, the RoBERTa family and ELECTRA: `embeddings` (optionally
    /// projected by `embeddings_project`), then `encoder.layer.N` blocks.
    static func bertStyle(
        _ base: WeightStore, config: EncoderConfig, embeddingsProject: Linear? = nil
    ) throws -> EncoderStack {
        EncoderStack(
            config: config, embeddings: try Embeddings(base.scoped("embeddings"), config: config),
            embeddingsProject: embeddingsProject,
            layers: try (0..<config.numHiddenLayers).map {
                try EncoderLayer.bert(base.scoped("encoder.layer.\($0)"), config: config)
            }, relativeBias: nil)
    }
}
