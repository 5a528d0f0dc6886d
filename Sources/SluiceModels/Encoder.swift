import SluiceTensors

/// An encoder of any supported family: token ids in, one hidden-state row per token out.
///
/// `BertModel`, `RobertaModel` (also XLM-R and CamemBERT), `ElectraModel`,
/// `DistilBertModel` and `MPNetModel` conform; `loadEncoder(weights:config:)` picks the one
/// `config.family` names.
public protocol EncoderModel: Sendable {
    /// The model's configuration.
    var config: EncoderConfig { get }
    /// Runs the encoder over a ragged batch: the last hidden state, `[tokens, hidden]`.
    func forward(_ batch: RaggedBatch) throws -> HiddenStates
}

/// Loads the encoder of `config.family` from `weights` (with or without the family's
/// `base_model_prefix`, so both head checkpoints and bare encoders load).
public func loadEncoder(weights: WeightStore, config: EncoderConfig) throws -> any EncoderModel {
    switch config.family {
    case .bert: return try BertModel(weights: weights, config: config)
    case .roberta, .xlmRoberta, .camembert: return try RobertaModel(weights: weights, config: config)
    case .electra: return try ElectraModel(weights: weights, config: config)
    case .distilbert: return try DistilBertModel(weights: weights, config: config)
    case .mpnet: return try MPNetModel(weights: weights, config: config)
    }
}

/// The encoder's output: one `hidden`-wide row per token of the batch.
public struct HiddenStates: Sendable {
    /// Row-major `[tokens, hidden]`.
    public var values: [Float]
    /// Row width.
    public let hidden: Int
    /// Each sequence's rows, as in the batch.
    public let sequences: [Range<Int>]

    /// Rows in all.
    public var tokenCount: Int { values.count / max(hidden, 1) }

    /// The `hidden` values of one token row.
    public func row(_ index: Int) -> ArraySlice<Float> { values[(index * hidden)..<((index + 1) * hidden)] }
}

/// What every family's forward pass shares: embeddings (projected to the hidden width where
/// ELECTRA's `embedding_size` differs), then the layers, each seeing MPNet's relative position
/// bias where the family has one.
struct EncoderStack: Sendable {
    let config: EncoderConfig
    let embeddings: Embeddings
    /// ELECTRA's `embeddings_project`, present when `embedding_size != hidden_size`.
    let embeddingsProject: Linear?
    let layers: [EncoderLayer]
    let relativeBias: MPNetRelativePositionBias?

    /// The most rows one pass computes. A larger batch runs as consecutive passes over whole
    /// sequences, so that activation memory stays bounded (about 3 KiB per row per 100 hidden
    /// units) while every pass is still large enough for the matrix products' full speed.
    static let rowsPerPass = 2048

    func forward(_ batch: RaggedBatch) throws -> HiddenStates {
        guard batch.tokenCount > Self.rowsPerPass, batch.sequences.count > 1 else { return try pass(batch) }
        var values: [Float] = []
        values.reserveCapacity(batch.tokenCount * config.hiddenSize)
        var part = RaggedBatch()
        for sequence in batch.sequences {
            if part.tokenCount > 0, part.tokenCount + sequence.count > Self.rowsPerPass {
                values += try pass(part).values
                part = RaggedBatch()
            }
            part.append(sequence, of: batch)
        }
        values += try pass(part).values
        return HiddenStates(values: values, hidden: config.hiddenSize, sequences: batch.sequences)
    }

    private func pass(_ batch: RaggedBatch) throws -> HiddenStates {
        let rows = batch.tokenCount
        let h = config.hiddenSize
        var values = [Float](repeating: 0, count: rows * h)
        guard rows > 0 else { return HiddenStates(values: values, hidden: h, sequences: batch.sequences) }
        let span = batch.maxLength
        let scratch = LayerScratch(rows: rows, maxLength: span, config: config)
        let bias = relativeBias?.table(span: span) ?? []
        try values.withUnsafeMutableBufferPointer { buffer in
            let x = buffer.baseAddress!
            if let embeddingsProject {
                let embedded = Scratch(rows * config.embeddingSize)
                try embeddings.forward(batch, into: embedded.pointer)
                embeddingsProject.forward(embedded.pointer, rows: rows, into: x)
            } else {
                try embeddings.forward(batch, into: x)
            }
            bias.withUnsafeBufferPointer { table in
                let relative = relativeBias == nil ? nil : table.baseAddress
                for layer in layers {
                    layer.forward(
                        x, sequences: batch.sequences, rows: rows, scratch: scratch, relativeBias: relative,
                        span: span)
                }
            }
        }
        return HiddenStates(values: values, hidden: h, sequences: batch.sequences)
    }
}

extension WeightStore {
    /// Where `family` keeps its encoder in these files: under `base_model_prefix` for a head
    /// checkpoint, at the top for a bare encoder.
    func encoderScope(_ family: EncoderFamily) -> WeightStore {
        baseScope(family.baseModelPrefix, probe: "embeddings.word_embeddings.weight")
    }
}

/// Checks that a family's model type is handed a config of its own family.
func requireFamily(_ config: EncoderConfig, _ families: [EncoderFamily], model: String) throws {
    guard families.contains(config.family) else {
        throw ModelError(
            "\(model) cannot load a \(config.family.rawValue) checkpoint (use loadEncoder(weights:config:))")
    }
}
