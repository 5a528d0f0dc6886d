import SluiceTensors

/// Multi-head self-attention over a ragged batch: query, key and value projections, scaled
/// dot-product attention within each sequence, and the output projection (applied by the
/// block, which may run it on a few rows only). Mirrors `BertSelfAttention` with
/// `BertSelfOutput.dense`, DistilBERT's `MultiHeadSelfAttention`, `MPNetSelfAttention`, and
/// `ModernBertAttention` (a fused projection, rotary positions, a local window as a bias), and
/// `Qwen3Attention` (grouped-query attention, per-head query and key norms, a causal mask as a
/// bias).
struct SelfAttention: LayerAttention {
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let heads: Int
    /// Key and value heads: `heads`, or fewer, each serving `heads / kvHeads` query heads
    /// (grouped-query attention, `num_key_value_heads`).
    let kvHeads: Int
    let headDim: Int
    /// The norms of each query and key head (`Qwen3Attention.q_norm`, `k_norm`), applied after
    /// the projections and before rotary positions; nil for none.
    let queryNorm: (any ResidualNorm)?
    let keyNorm: (any ResidualNorm)?
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

    /// Attention over projections already loaded (cut from a fused one), with
    /// `config.numKeyValueHeads` key and value heads and, when given, per-head `headNorms`.
    init(
        query: Linear, key: Linear, value: Linear, output: Linear, config: EncoderConfig, bias: Int?,
        rotary: Int?, headNorms: (query: any ResidualNorm, key: any ResidualNorm)? = nil
    ) {
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        heads = config.numAttentionHeads
        kvHeads = config.numKeyValueHeads
        headDim = config.headDim
        queryNorm = headNorms?.query
        keyNorm = headNorms?.key
        self.bias = bias
        self.rotary = rotary
    }

    /// Every row's query, key and value into `pass.scratch.q`, `.k`, `.v` (through the wide
    /// kernel in one parallel region where it runs; keys and values together when grouped-query
    /// attention makes them narrower), each head's query and key normalised where the family
    /// norms them.
    func project(_ x: UnsafePointer<Float>, pass: LayerPass) {
        let scratch = pass.scratch
        let rows = pass.rows
        if !Linear.forwardWide([(query, scratch.q), (key, scratch.k), (value, scratch.v)], x, rows: rows) {
            query.forward(x, rows: rows, into: scratch.q)
            if !Linear.forwardWide([(key, scratch.k), (value, scratch.v)], x, rows: rows) {
                key.forward(x, rows: rows, into: scratch.k)
                value.forward(x, rows: rows, into: scratch.v)
            }
        }
        // Each head's row of headDim values is one row of its norm.
        queryNorm?.forward(inPlace: scratch.q, adding: nil, rows: rows * heads)
        keyNorm?.forward(inPlace: scratch.k, adding: nil, rows: rows * kvHeads)
    }

    /// Where the attention kernels run: where the projections do.
    var runtime: ComputeRuntime { query.runtime }

    /// Weights of the four projections.
    var weightCount: Int { query.weightCount + key.weightCount + value.weightCount + output.weightCount }

    /// Multiply-adds of scores and weighted sums for one sequence of `length` tokens: `width`
    /// each per visible (query, key) pair (every query head scores its pairs, however few key
    /// heads it shares), all pairs unless its bias table masks some.
    func multiplyAdds(length: Int, tables: [any PassTable]) -> Int {
        let pairs = bias.flatMap { tables[$0].visiblePairs(length: length) } ?? length * length
        return 2 * width * pairs
    }

    /// Width of the attention context (and of the queries), `heads · headDim`.
    var width: Int { heads * headDim }

    /// Width of the keys and of the values, `kvHeads · headDim`.
    var kvWidth: Int { kvHeads * headDim }

    /// Every row's attention context into `pass.scratch.context` (queries, keys and values in
    /// `q`, `k`, `v` on the way: `[rows, width]`, `[rows, kvWidth]` twice).
    func attend(_ x: UnsafePointer<Float>, pass: LayerPass) {
        let scratch = pass.scratch
        project(x, pass: pass)
        if let rotary {
            pass.tables[rotary].withUnsafeBufferPointer { table in
                for (projected, count) in [(scratch.q, heads), (scratch.k, kvHeads)] {
                    applyRotary(
                        projected, ld: count * headDim, sequences: pass.sequences, heads: count,
                        headDim: headDim,
                        table: table.baseAddress!, runtime: runtime)
                }
            }
        }
        func run(_ relativeBias: UnsafePointer<Float>?) {
            attentionForward(
                out: scratch.context, q: scratch.q, k: scratch.k, v: scratch.v, ldQKV: width,
                sequences: pass.sequences, heads: heads, headDim: headDim, scratch: scratch.scores,
                relativeBias: relativeBias, span: pass.span, kvHeads: kvHeads, ldKV: kvWidth, runtime: runtime
            )
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
    /// How many (query, key) pairs of a sequence of `length` tokens a bias table leaves
    /// visible when it masks some (a window, causality); nil when it masks none.
    func visiblePairs(length: Int) -> Int?
}

extension PassTable {
    func visiblePairs(length: Int) -> Int? { nil }
}

/// A mask as a bias by relative position: a query `i` sees the keys `j` with `j − i` in
/// `visible`, and every other score sinks below anything the softmax can weigh (to exactly 0
/// after it, as transformers' masks do).
struct VisibilityBias: PassTable {
    let visible: ClosedRange<Int>
    let heads: Int

    /// Each query sees the keys `visible` allows that lie inside the sequence.
    func visiblePairs(length: Int) -> Int? {
        (0..<length).reduce(0) { count, i in
            count + max(0, min(length - 1, i + visible.upperBound) - max(0, i + visible.lowerBound) + 1)
        }
    }

    /// Keys at most `radius` tokens away either side, as transformers'
    /// `sliding_window_bidirectional_overlay` allows (`|i − j| ≤ radius`): ModernBERT's local layers.
    static func window(radius: Int, heads: Int) -> Self { Self(visible: -radius...radius, heads: heads) }

    /// Keys up to the query (`causal_mask_function`, `j ≤ i`), and with a `window` only the
    /// last `window` of them (`sliding_window_overlay`, `j > i − window`): Qwen3's layers.
    static func causal(window: Int? = nil, heads: Int) -> Self {
        Self(visible: -((window ?? Int.max) - 1)...0, heads: heads)
    }

    func table(span: Int) -> [Float] {
        guard span > 0 else { return [] }
        let row = (-(span - 1)...(span - 1)).map { visible.contains($0) ? 0 : -Float.greatestFiniteMagnitude }
        return Array([[Float]](repeating: row, count: heads).joined())
    }
}

/// Rotary angles by position (`rotaryTable`) for one base.
struct RotaryAngles: PassTable {
    let base: Double
    let headDim: Int

    func table(span: Int) -> [Float] { rotaryTable(base: base, headDim: headDim, positions: span) }
}
