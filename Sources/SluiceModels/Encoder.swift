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
    /// The last hidden state of the batch's rows `rows` alone: `[rows.count, hidden]` in that
    /// order, as one run of rows. The last layer's attention output projection and
    /// feed-forward block run for those rows only, which is all a head reading a few rows
    /// (the masked positions, the first token) needs.
    func forward(_ batch: RaggedBatch, keeping rows: [Int]) throws -> HiddenStates
}

extension EncoderModel {
    /// The plain way, for a conformer that cannot skip work: every row's last hidden state, then
    /// the rows asked for, in that order. The families in this module override it.
    public func forward(_ batch: RaggedBatch, keeping rows: [Int]) throws -> HiddenStates {
        let all = try forward(batch)
        let h = all.hidden
        var values: [Float] = []
        values.reserveCapacity(rows.count * h)
        for row in rows {
            guard (0..<all.tokenCount).contains(row) else {
                throw ModelError("row \(row) is not in the batch of \(all.tokenCount) rows")
            }
            values += all.values[(row * h)..<((row + 1) * h)]
        }
        return HiddenStates(values: values, hidden: h, sequences: [0..<rows.count])
    }
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

    /// Every row's last hidden state, or with `keep` only those rows' (`[keep.count, hidden]`,
    /// in that order, as one run of rows), their last layer's feed-forward work done for them
    /// alone.
    func forward(_ batch: RaggedBatch, keeping keep: [Int]? = nil) throws -> HiddenStates {
        let h = config.hiddenSize
        let outputRows = keep?.count ?? batch.tokenCount
        let sequences = keep.map { [0..<$0.count] } ?? batch.sequences
        if let keep {
            for row in keep where !(0..<batch.tokenCount).contains(row) {
                throw ModelError("row \(row) is not in the batch of \(batch.tokenCount) rows")
            }
            guard !keep.isEmpty else { return HiddenStates(values: [], hidden: h, sequences: sequences) }
            // A row asked for twice is computed once: the passes size their buffers by rows.
            var position: [Int: Int] = [:]
            var distinct: [Int] = []
            for row in keep where position[row] == nil {
                position[row] = distinct.count
                distinct.append(row)
            }
            if distinct.count < keep.count {
                let once = try forward(batch, keeping: distinct)
                var values: [Float] = []
                values.reserveCapacity(keep.count * h)
                for row in keep {
                    let i = position[row]!
                    values += once.values[(i * h)..<((i + 1) * h)]
                }
                return HiddenStates(values: values, hidden: h, sequences: sequences)
            }
        }
        guard batch.tokenCount > Self.rowsPerPass, batch.sequences.count > 1 else {
            return HiddenStates(values: try pass(batch, keeping: keep), hidden: h, sequences: sequences)
        }
        var values = [Float](repeating: 0, count: outputRows * h)
        var part = RaggedBatch()
        var offset = 0
        func runPart() throws {
            let partRows = offset..<(offset + part.tokenCount)
            if let keep {
                let chosen = keep.indices.filter { partRows.contains(keep[$0]) }
                let partValues = try pass(part, keeping: chosen.map { keep[$0] - offset })
                for (j, i) in chosen.enumerated() {
                    values[(i * h)..<((i + 1) * h)] = partValues[(j * h)..<((j + 1) * h)]
                }
            } else {
                values.replaceSubrange(
                    (offset * h)..<(partRows.upperBound * h), with: try pass(part, keeping: nil))
            }
            offset = partRows.upperBound
            part = RaggedBatch()
        }
        for sequence in batch.sequences {
            if part.tokenCount > 0, part.tokenCount + sequence.count > Self.rowsPerPass { try runPart() }
            part.append(sequence, of: batch)
        }
        try runPart()
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
        let scratch = LayerScratch(rows: rows, maxLength: span, config: config)
        let bias = relativeBias?.table(span: span) ?? []
        var kept = [Float](repeating: 0, count: (keep?.count ?? 0) * h)
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
                for (index, layer) in layers.enumerated() {
                    if let keep, index == layers.count - 1 {
                        kept.withUnsafeMutableBufferPointer { result in
                            layer.forward(
                                x, sequences: batch.sequences, rows: rows, scratch: scratch,
                                relativeBias: relative, span: span, keeping: keep, into: result.baseAddress!)
                        }
                    } else {
                        layer.forward(
                            x, sequences: batch.sequences, rows: rows, scratch: scratch,
                            relativeBias: relative,
                            span: span)
                    }
                }
            }
        }
        guard let keep else { return values }
        if layers.isEmpty {
            for (i, row) in keep.enumerated() {
                kept[(i * h)..<((i + 1) * h)] = values[(row * h)..<((row + 1) * h)]
            }
        }
        return kept
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
