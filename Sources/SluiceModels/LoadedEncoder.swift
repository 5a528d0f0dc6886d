import SluiceTensors

/// A model folder's encoder, loaded once: what the pipeline layer holds.
///
/// ```swift
/// let model = try LoadedEncoder(folder: folder)
/// let head = try model.loadHead(try model.config.checkpointHead() ?? .sequenceClassification)
/// let hidden = try model.forward(batch)            // on the inference thread
/// let logits = head.firstTokenLogits(hidden)       // [sequences, num_labels]
/// ```
public struct LoadedEncoder: Sendable {
    /// The folder's `config.json`.
    public let config: EncoderConfig
    /// The encoder of `config.family`.
    public let encoder: any EncoderModel
    /// The folder's weights, for loading heads.
    public let weights: WeightStore

    /// Reads `config.json` and the safetensors weights and loads the encoder, its dense layers
    /// holding their weights as `denseWeights` says, every layer computing on `runtime`. Fails
    /// with a message naming the supported families when `model_type` is not one of them.
    public init(folder: ModelFolder, denseWeights: DenseWeightFormat = .f32, runtime: ComputeRuntime) throws {
        let config = try EncoderConfig(contentsOf: folder.file("config.json"))
        try self.init(
            config: config,
            weights: WeightStore(files: folder.weightFiles(), denseWeights: denseWeights, runtime: runtime))
    }

    /// Loads the encoder of `config.family` from `weights`.
    public init(config: EncoderConfig, weights: WeightStore) throws {
        self.config = config
        self.weights = weights
        encoder = try loadEncoder(weights: weights, config: config)
    }

    /// How the dense layers (encoder and heads) hold their weights.
    public var denseWeights: DenseWeightFormat { weights.denseWeights }

    /// Runs the encoder over a ragged batch: `[tokens, hidden]` for every token.
    public func forward(_ batch: RaggedBatch) throws -> HiddenStates { try encoder.forward(batch) }

    /// The last hidden state of the batch's rows `rows` alone, `[rows.count, hidden]` in that
    /// order (see `EncoderModel.forward(_:keeping:)`).
    public func forward(_ batch: RaggedBatch, keeping rows: [Int]) throws -> HiddenStates {
        try encoder.forward(batch, keeping: rows)
    }

    /// Loads a head from the same weights; see `loadHead(_:weights:config:)`.
    public func loadHead(_ kind: HeadKind) throws -> any EncoderHead {
        try SluiceModels.loadHead(kind, weights: weights, config: config)
    }
}
