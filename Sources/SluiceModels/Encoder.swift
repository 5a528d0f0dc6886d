import SluiceTensors

/// A model folder's encoder, of any supported family: token ids in, one hidden-state row per
/// token out. The one encoder type: a family's file (`Bert.swift`, `MPNet.swift`, …) only
/// describes its parts (`EncoderParts`), and this runs them.
///
/// ```swift
/// let model = try EncoderModel(folder: folder, runtime: runtime)
/// let head = try model.loadHead(try model.config.checkpointHead() ?? .sequenceClassification)
/// let hidden = try model.forward(batch)            // on the inference thread
/// let logits = head.sequenceLogits(hidden)        // [sequences, num_labels]
/// ```
///
/// A batch runs as one pass, however many rows it has: the caller's batch (the scheduler's,
/// cut at `--max-batch-tokens`) is the pass, and bounds its activation memory, about
/// `activationBytesPerRow` per row.
public struct EncoderModel: Sendable {
    /// The folder's `config.json`.
    public let config: EncoderConfig
    /// The folder's weights, for loading heads.
    public let weights: WeightStore
    let parts: EncoderParts

    /// Reads `config.json` and the weights (safetensors or torch `.bin`) and loads the encoder,
    /// its dense layers holding their weights as `denseWeights` says, every layer computing on
    /// `runtime`. Fails with a message naming the supported families when `model_type` is not
    /// one of them.
    public init(folder: ModelFolder, denseWeights: DenseWeightFormat = .f32, runtime: ComputeRuntime) throws {
        let config = try EncoderConfig(contentsOf: folder.file("config.json"))
        try self.init(
            config: config,
            weights: WeightStore(files: folder.weightFiles(), denseWeights: denseWeights, runtime: runtime))
    }

    /// Loads the encoder of `config.family` from `weights`, with or without the family's
    /// `base_model_prefix` (so both head checkpoints and bare encoders load).
    public init(config: EncoderConfig, weights: WeightStore) throws {
        try self.init(config: config, weights: weights, architecture: config.family.architecture)
    }

    /// Loads the encoder as `architecture`'s file describes it; refuses another family's config.
    init(config: EncoderConfig, weights: WeightStore, architecture: any EncoderArchitecture.Type) throws {
        guard config.family.architecture == architecture else {
            throw ModelError(
                "\(architecture.reference) cannot load a \(config.family.rawValue) checkpoint")
        }
        self.config = config
        self.weights = weights
        parts = try architecture.parts(weights.encoderScope(config.family), config: config)
    }

    /// How the dense layers (encoder and heads) hold their weights.
    public var denseWeights: DenseWeightFormat { weights.denseWeights }

    /// Loads a head from the same weights; see `loadHead(_:weights:config:)`.
    public func loadHead(_ kind: HeadKind) throws -> any EncoderHead {
        try SluiceModels.loadHead(kind, weights: weights, config: config)
    }

    /// Bytes of activation scratch a forward pass holds per row of its batch (queries, keys,
    /// values, attention context, the feed-forward block's inner width, the output), besides
    /// the attention scores of its longest sequence: a batch of `n` rows holds about
    /// `n · activationBytesPerRow` while it runs (27 KiB per row for bert-base, so 442 MiB at
    /// `--max-batch-tokens` 16384).
    public var activationBytesPerRow: Int {
        MemoryLayout<Float>.stride * (config.hiddenSize + 4 * scratchWidth + intermediateWidth)
    }

    /// Weights of the encoder's dense layers: the multiply-adds per token spent on them (FLOP
    /// per token is twice this), and the values one pass reads.
    public var denseWeightCount: Int { parts.layers.reduce(0) { $0 + $1.weightCount } }

    /// Multiply-adds of every layer's attention scores and weighted sums for one sequence of
    /// `length` tokens (a windowed layer counts only the pairs inside its window).
    public func attentionMultiplyAdds(length: Int) -> Int {
        parts.layers.reduce(0) { $0 + $1.attentionMultiplyAdds(length: length, tables: parts.tables) }
    }

    /// Feed-forward scratch values per row.
    var intermediateWidth: Int { parts.feedForwardWidth ?? config.intermediateSize }

    /// Attention scratch values per row, in each of its four buffers: the hidden size, or the
    /// queries' width `heads · head_dim` where that is wider (Qwen3-0.6B's 2048 on 1024).
    var scratchWidth: Int { max(config.hiddenSize, config.numAttentionHeads * config.headDim) }

    /// Runs the encoder over a ragged batch: the last hidden state, `[tokens, hidden]`.
    public func forward(_ batch: RaggedBatch) throws -> HiddenStates {
        HiddenStates(
            values: try pass(batch, keeping: nil), hidden: config.hiddenSize, sequences: batch.sequences)
    }

    /// The last hidden state of the batch's rows `rows` alone: `[rows.count, hidden]` in that
    /// order, as one run of rows. The last layer's attention output projection and
    /// feed-forward block run for those rows only, which is all a head reading a few rows
    /// (the masked positions, the first token) needs.
    public func forward(_ batch: RaggedBatch, keeping keep: [Int]) throws -> HiddenStates {
        let h = config.hiddenSize
        let sequences = [0..<keep.count]
        for row in keep where !(0..<batch.tokenCount).contains(row) {
            throw ModelError("row \(row) is not in the batch of \(batch.tokenCount) rows")
        }
        guard !keep.isEmpty else { return HiddenStates(values: [], hidden: h, sequences: sequences) }
        // A row asked for twice is computed once: the pass sizes its buffers by rows.
        var position: [Int: Int] = [:]
        var distinct: [Int] = []
        for row in keep where position[row] == nil {
            position[row] = distinct.count
            distinct.append(row)
        }
        guard distinct.count < keep.count else {
            return HiddenStates(values: try pass(batch, keeping: keep), hidden: h, sequences: sequences)
        }
        let once = try pass(batch, keeping: distinct)
        var values: [Float] = []
        values.reserveCapacity(keep.count * h)
        for row in keep {
            let i = position[row]!
            values += once[(i * h)..<((i + 1) * h)]
        }
        return HiddenStates(values: values, hidden: h, sequences: sequences)
    }

    /// One pass over `batch`: `[tokens, hidden]`, or `[keep.count, hidden]` for the rows `keep`.
    private func pass(_ batch: RaggedBatch, keeping keep: [Int]?) throws -> [Float] {
        let rows = batch.tokenCount
        let h = config.hiddenSize
        var values = [Float](repeating: 0, count: rows * h)
        if let keep, keep.isEmpty { return [] }
        guard rows > 0 else { return values }
        let span = batch.maxLength
        let layers = parts.layers
        let pass = LayerPass(
            sequences: batch.sequences, rows: rows, span: span,
            scratch: LayerScratch(
                rows: rows, maxLength: span, hidden: scratchWidth, intermediate: intermediateWidth),
            tables: parts.tables.map { $0.table(span: span) })
        var kept = [Float](repeating: 0, count: (keep?.count ?? 0) * h)
        try values.withUnsafeMutableBufferPointer { buffer in
            let x = buffer.baseAddress!
            try parts.embeddings.forward(batch, into: x)
            for (index, layer) in layers.enumerated() {
                if let keep, index == layers.count - 1 {
                    kept.withUnsafeMutableBufferPointer { result in
                        layer.forward(x, pass: pass, keeping: keep, into: result.baseAddress!)
                    }
                } else {
                    layer.forward(x, pass: pass)
                }
            }
            if keep == nil { parts.finalNorm?.forward(inPlace: x, adding: nil, rows: rows) }
        }
        guard let keep else { return values }
        if layers.isEmpty {
            for (i, row) in keep.enumerated() {
                kept[(i * h)..<((i + 1) * h)] = values[(row * h)..<((row + 1) * h)]
            }
        }
        if let finalNorm = parts.finalNorm {
            kept.withUnsafeMutableBufferPointer {
                finalNorm.forward(inPlace: $0.baseAddress!, adding: nil, rows: keep.count)
            }
        }
        return kept
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

    /// One row per run of rows (each sequence, by default), the mean of its rows: summed in
    /// order, then divided by their count, as transformers' `(h * mask).sum(dim=1) /
    /// mask.sum(dim=1)`.
    public func meanPooled(_ runs: [Range<Int>]? = nil) -> HiddenStates {
        let runs = runs ?? sequences
        var pooled = [Float](repeating: 0, count: runs.count * hidden)
        for (i, sequence) in runs.enumerated() {
            for row in sequence {
                for c in 0..<hidden { pooled[i * hidden + c] += values[row * hidden + c] }
            }
            let count = Float(max(sequence.count, 1))
            for c in 0..<hidden { pooled[i * hidden + c] /= count }
        }
        return HiddenStates(values: pooled, hidden: hidden, sequences: runs.indices.map { $0..<($0 + 1) })
    }
}

/// What a family's file builds from its checkpoint and `EncoderModel` runs: the embeddings
/// (their kind and position scheme), the layers in order (each its own attention, norms and
/// feed-forward block), the tables the layers read, and a norm after the last layer.
struct EncoderParts: Sendable {
    /// Token ids to `[tokens, hidden]` rows.
    var embeddings: any TokenEmbedding
    /// The blocks, first to last.
    var layers: [any EncoderBlock]
    /// Tables computed once per pass and read by the layers that name them
    /// (`SelfAttention.bias`, `.rotary`): MPNet's relative position bias, shared by every
    /// layer; ModernBERT's rotary angles and local window.
    var tables: [any PassTable] = []
    /// The norm over the last layer's output (ModernBERT's `final_norm`), nil for none.
    var finalNorm: (any ResidualNorm)? = nil
    /// Feed-forward scratch values per row when not `intermediate_size` (twice that for a
    /// gated block, whose two halves live at once).
    var feedForwardWidth: Int? = nil
}

/// One architecture family's file: how its checkpoint's weights, under the reference's names,
/// become an encoder's parts. Mirrors a transformers `…Model` class. A new family is one new
/// file with one of these and its `EncoderFamily` value (names, config keys and defaults,
/// positions, head layouts), and one line in `EncoderFamily.registered`.
protocol EncoderArchitecture: SendableMetatype {
    /// The transformers class it mirrors, for messages.
    static var reference: String { get }
    /// The parts, from `weights` scoped at the encoder (`bert.` already stripped).
    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts
    /// Refuses a config this family's reference would not run as Sluice does, naming the
    /// field; fields only this family reads are checked here, from `config.json`.
    static func check(_ config: EncoderConfig, path: String) throws
    /// The `kind` head of a checkpoint of this family, from `weights` at the checkpoint's top;
    /// by default as BERT lays its heads out (`layoutHead`).
    static func head(_ kind: HeadKind, weights: WeightStore, config: EncoderConfig) throws -> any EncoderHead
}

extension EncoderArchitecture {
    static func check(_ config: EncoderConfig, path: String) throws {}

    static func head(_ kind: HeadKind, weights: WeightStore, config: EncoderConfig) throws -> any EncoderHead
    {
        try layoutHead(kind, weights: weights, config: config)
    }
}

/// The `config.json` fields only one family reads (ModernBERT's rotary bases and windows,
/// Qwen3's, DeBERTa-v2's relative attention), read and checked as its configuration class
/// reads them.
protocol FamilySettings {
    /// Reads them from `config.json` (`path` names it in errors), refusing what Sluice does not
    /// run.
    init(_ config: EncoderConfig, path: String) throws
}

/// A family file with fields of its own: its `check` is reading them, and loading reads them
/// again from the config, once, for the parts and for each head.
protocol ArchitectureWithSettings: EncoderArchitecture {
    associatedtype Settings: FamilySettings
    /// `parts(_:config:)`, given the family's fields of the config.
    static func parts(
        _ weights: WeightStore, config: EncoderConfig, settings: Settings
    ) throws -> EncoderParts
    /// `head(_:weights:config:)`, given the family's fields of the config.
    static func head(
        _ kind: HeadKind, weights: WeightStore, config: EncoderConfig, settings: Settings
    ) throws -> any EncoderHead
}

extension ArchitectureWithSettings {
    /// The family of a file that builds its own heads (`head(_:weights:config:settings:)`, no
    /// BERT-style head layouts) and numbers positions from zero: ModernBERT, Qwen3, DeBERTa-v2.
    /// The arguments are `EncoderFamily`'s.
    static func family(
        modelType: String, classPrefix: String, baseModelPrefix: String, ignoresTokenizerTypeIds: Bool,
        wordEmbeddings: String = "embeddings.word_embeddings.weight", config: ConfigSchema
    ) -> EncoderFamily {
        EncoderFamily(
            modelType: modelType, classPrefix: classPrefix, baseModelPrefix: baseModelPrefix, config: config,
            positions: .fromZero, ignoresTokenizerTypeIds: ignoresTokenizerTypeIds, maskedLM: nil,
            sequenceClassification: nil, architecture: self, wordEmbeddings: wordEmbeddings)
    }

    static func check(_ config: EncoderConfig, path: String) throws { _ = try Settings(config, path: path) }

    static func parts(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderParts {
        try parts(weights, config: config, settings: settings(config))
    }

    static func head(_ kind: HeadKind, weights: WeightStore, config: EncoderConfig) throws -> any EncoderHead
    {
        try head(kind, weights: weights, config: config, settings: settings(config))
    }

    /// The family's fields of a config already checked.
    static func settings(_ config: EncoderConfig) throws -> Settings {
        try Settings(config, path: "config.json")
    }
}

extension WeightStore {
    /// Where `family` keeps its encoder in these files: under `base_model_prefix` for a head
    /// checkpoint, at the top for a bare encoder.
    func encoderScope(_ family: EncoderFamily) -> WeightStore {
        baseScope(family.baseModelPrefix, probe: family.wordEmbeddings)
    }
}
