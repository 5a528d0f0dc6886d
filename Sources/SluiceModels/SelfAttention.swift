import SluiceTensors

/// Multi-head self-attention over a ragged batch: query, key and value projections, scaled
/// dot-product attention within each sequence, and the output projection (applied by the
/// block, which may run it on a few rows only). Mirrors `BertSelfAttention` with
/// `BertSelfOutput.dense`, DistilBERT's `MultiHeadSelfAttention`, `MPNetSelfAttention`.
struct SelfAttention: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let heads: Int
    let headDim: Int
    /// The per-layer hook: which of the pass's bias tables (`EncoderParts.attentionBiases`)
    /// this layer adds to its scores, nil for none.
    let bias: Int?
    let runtime: ComputeRuntime

    /// Loads the four projections (`hidden → hidden`) by their names under `weights`.
    init(
        _ weights: WeightStore, query q: String, key k: String, value v: String, output o: String,
        config: EncoderConfig, bias: Int? = nil
    ) throws {
        let h = config.hiddenSize
        query = try Linear(weights.scoped(q), in: h, out: h)
        key = try Linear(weights.scoped(k), in: h, out: h)
        value = try Linear(weights.scoped(v), in: h, out: h)
        output = try Linear(weights.scoped(o), in: h, out: h)
        heads = config.numAttentionHeads
        headDim = config.headDim
        self.bias = bias
        runtime = weights.runtime
    }

    /// Width of the attention context, `heads · headDim`.
    var width: Int { heads * headDim }

    /// Every row's attention context into `pass.scratch.context` (queries, keys and values in
    /// `q`, `k`, `v` on the way).
    func attend(_ x: UnsafePointer<Float>, pass: LayerPass) {
        let scratch = pass.scratch
        let rows = pass.rows
        if !Linear.forwardWide([(query, scratch.q), (key, scratch.k), (value, scratch.v)], x, rows: rows) {
            query.forward(x, rows: rows, into: scratch.q)
            key.forward(x, rows: rows, into: scratch.k)
            value.forward(x, rows: rows, into: scratch.v)
        }
        func run(_ relativeBias: UnsafePointer<Float>?) {
            attentionForward(
                out: scratch.context, q: scratch.q, k: scratch.k, v: scratch.v, ldQKV: width,
                sequences: pass.sequences, heads: heads, headDim: headDim, scratch: scratch.scores,
                relativeBias: relativeBias, span: pass.span, runtime: runtime)
        }
        guard let bias else { return run(nil) }
        pass.biasTables[bias].withUnsafeBufferPointer { run($0.baseAddress) }
    }
}

/// A bias added to every head's attention scores by relative position (key − query), computed
/// once per pass for its longest sequence. MPNet's relative position bias is one; a local
/// attention window (−∞ beyond it) would be another.
protocol AttentionBias: Sendable {
    /// `[heads, 2·span − 1]`: the bias for each head and relative position `−(span−1)…span−1`,
    /// laid out as `attentionForward` reads it.
    func table(span: Int) -> [Float]
}
