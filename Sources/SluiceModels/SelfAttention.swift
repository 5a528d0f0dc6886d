import SluiceTensors

/// Multi-head self-attention over a ragged batch: query, key and value projections, scaled
/// dot-product attention within each sequence, and the output projection (applied by the
/// block, which may run it on a few rows only). Mirrors `BertSelfAttention` with
/// `BertSelfOutput.dense`, DistilBERT's `MultiHeadSelfAttention`, `MPNetSelfAttention`, and
/// `ModernBertAttention` (a fused projection, rotary positions, a local window as a bias).
struct SelfAttention: LayerAttention {
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let heads: Int
    let headDim: Int
    /// The per-layer hook: which of the pass's tables (`EncoderParts.tables`) this layer adds
    /// to its scores as a bias by relative position, nil for none.
    let bias: Int?
    /// Which of the pass's tables holds the rotary angles (`rotaryTable`) that turn queries and
    /// keys by position, nil for none.
    let rotary: Int?

    /// Loads the four projections (`hidden → hidden`) by their names under `weights`.
    init(
        _ weights: WeightStore, query q: String, key k: String, value v: String, output o: String,
        config: EncoderConfig, bias: Int? = nil
    ) throws {
        let h = config.hiddenSize
        try self.init(
            query: Linear(weights.scoped(q), in: h, out: h), key: Linear(weights.scoped(k), in: h, out: h),
            value: Linear(weights.scoped(v), in: h, out: h), output: Linear(weights.scoped(o), in: h, out: h),
            config: config, bias: bias, rotary: nil)
    }

    /// Attention over projections already loaded (cut from a fused one).
    init(
        query: Linear, key: Linear, value: Linear, output: Linear, config: EncoderConfig, bias: Int?,
        rotary: Int?
    ) {
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        heads = config.numAttentionHeads
        headDim = config.headDim
        self.bias = bias
        self.rotary = rotary
    }

    /// Every row's query, key and value into `pass.scratch.q`, `.k`, `.v` (through the wide
    /// kernel in one parallel region where it runs).
    func project(_ x: UnsafePointer<Float>, pass: LayerPass) {
        let scratch = pass.scratch
        let rows = pass.rows
        if !Linear.forwardWide([(query, scratch.q), (key, scratch.k), (value, scratch.v)], x, rows: rows) {
            query.forward(x, rows: rows, into: scratch.q)
            key.forward(x, rows: rows, into: scratch.k)
            value.forward(x, rows: rows, into: scratch.v)
        }
    }

    /// Where the attention kernels run: where the projections do.
    var runtime: ComputeRuntime { query.runtime }

    /// Width of the attention context, `heads · headDim`.
    var width: Int { heads * headDim }

    /// Every row's attention context into `pass.scratch.context` (queries, keys and values in
    /// `q`, `k`, `v` on the way).
    func attend(_ x: UnsafePointer<Float>, pass: LayerPass) {
        let scratch = pass.scratch
        project(x, pass: pass)
        if let rotary {
            pass.tables[rotary].withUnsafeBufferPointer { table in
                for projected in [scratch.q, scratch.k] {
                    applyRotary(
                        projected, ld: width, sequences: pass.sequences, heads: heads, headDim: headDim,
                        table: table.baseAddress!, runtime: runtime)
                }
            }
        }
        func run(_ relativeBias: UnsafePointer<Float>?) {
            attentionForward(
                out: scratch.context, q: scratch.q, k: scratch.k, v: scratch.v, ldQKV: width,
                sequences: pass.sequences, heads: heads, headDim: headDim, scratch: scratch.scores,
                relativeBias: relativeBias, span: pass.span, runtime: runtime)
        }
        guard let bias else { return run(nil) }
        pass.tables[bias].withUnsafeBufferPointer { run($0.baseAddress) }
    }
}

/// A table computed once per forward pass for its longest sequence (`span` tokens) and read by
/// the layers that name it: a bias added to the attention scores by relative position (MPNet's
/// bucketed bias, a local attention window), or rotary angles by position.
protocol PassTable: Sendable {
    /// The table for sequences of up to `span` tokens. An attention bias is
    /// `[heads, 2·span − 1]`, the value for each head and relative position `−(span−1)…span−1`,
    /// laid out as `attentionForward` reads it; rotary angles are `rotaryTable`'s.
    func table(span: Int) -> [Float]
}

/// Attention within a window: a query attends to keys at most `radius` tokens away, as
/// transformers' `sliding_window_bidirectional_overlay` allows (`|i − j| ≤ radius`), by a bias
/// that sinks every other score below anything the softmax can weigh.
struct SlidingWindowBias: PassTable {
    let radius: Int
    let heads: Int

    func table(span: Int) -> [Float] {
        guard span > 0 else { return [] }
        let row = (-(span - 1)...(span - 1)).map { abs($0) <= radius ? 0 : -Float.greatestFiniteMagnitude }
        return Array([[Float]](repeating: row, count: heads).joined())
    }
}

/// Rotary angles by position (`rotaryTable`) for one base.
struct RotaryAngles: PassTable {
    let base: Double
    let headDim: Int

    func table(span: Int) -> [Float] { rotaryTable(base: base, headDim: headDim, positions: span) }
}
