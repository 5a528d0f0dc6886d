import SluiceTensors

/// One post-layer-norm transformer block: self-attention, its output projection with residual
/// and layer norm, then the feed-forward block with residual and layer norm.
///
/// Every supported family computes exactly this; only the weight names differ, so each
/// family has its own loader:
/// - `BertLayer` (also RoBERTa's, XLM-R's, CamemBERT's and ELECTRA's): `attention.self.{query,key,value}`,
///   `attention.output.{dense,LayerNorm}`, `intermediate.dense`, `output.{dense,LayerNorm}`;
/// - DistilBERT's `TransformerBlock`: `attention.{q,k,v,out}_lin`, `sa_layer_norm`,
///   `ffn.lin1`, `ffn.lin2`, `output_layer_norm`;
/// - `MPNetLayer`: `attention.attn.{q,k,v,o}`, `attention.LayerNorm`, `intermediate.dense`,
///   `output.{dense,LayerNorm}`, with the encoder's relative position bias added to the scores.
struct EncoderLayer: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let attentionOutput: Linear
    let attentionLayerNorm: LayerNorm
    let intermediate: Linear
    let output: Linear
    let outputLayerNorm: LayerNorm
    let activation: Activation
    let heads: Int
    let headDim: Int
    let intermediateSize: Int
    let runtime: ComputeRuntime

    private init(
        _ weights: WeightStore, config: EncoderConfig,
        names: (
            q: String, k: String, v: String, o: String, ln1: String, ffn1: String, ffn2: String, ln2: String
        )
    ) throws {
        let h = config.hiddenSize
        let i = config.intermediateSize
        query = try Linear(weights.scoped(names.q), in: h, out: h)
        key = try Linear(weights.scoped(names.k), in: h, out: h)
        value = try Linear(weights.scoped(names.v), in: h, out: h)
        attentionOutput = try Linear(weights.scoped(names.o), in: h, out: h)
        attentionLayerNorm = try LayerNorm(weights.scoped(names.ln1), width: h, eps: config.layerNormEps)
        intermediate = try Linear(weights.scoped(names.ffn1), in: h, out: i)
        output = try Linear(weights.scoped(names.ffn2), in: i, out: h)
        outputLayerNorm = try LayerNorm(weights.scoped(names.ln2), width: h, eps: config.layerNormEps)
        activation = config.hiddenAct
        heads = config.numAttentionHeads
        headDim = config.headDim
        intermediateSize = i
        runtime = weights.runtime
    }

    /// Mirrors `BertLayer` (and RoBERTa's, XLM-R's, CamemBERT's, ELECTRA's copies of it).
    static func bert(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderLayer {
        try EncoderLayer(
            weights, config: config,
            names: (
                "attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense",
                "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"
            ))
    }

    /// Mirrors DistilBERT's `TransformerBlock`.
    static func distilBert(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderLayer {
        try EncoderLayer(
            weights, config: config,
            names: (
                "attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm",
                "ffn.lin1", "ffn.lin2", "output_layer_norm"
            ))
    }

    /// Mirrors `MPNetLayer`.
    static func mpnet(_ weights: WeightStore, config: EncoderConfig) throws -> EncoderLayer {
        try EncoderLayer(
            weights, config: config,
            names: (
                "attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
                "attention.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"
            ))
    }

    /// Updates `x` (`[tokens, hidden]`) in place. `relativeBias` is MPNet's
    /// `[heads, 2·span − 1]` bias by relative position, nil elsewhere.
    func forward(
        _ x: UnsafeMutablePointer<Float>, sequences: [Range<Int>], rows: Int, scratch: LayerScratch,
        relativeBias: UnsafePointer<Float>? = nil, span: Int = 0
    ) {
        attend(x, sequences: sequences, rows: rows, scratch: scratch, relativeBias: relativeBias, span: span)
        finish(x, context: scratch.context, rows: rows, scratch: scratch)
    }

    /// The block's output for the rows `keep` of `x` alone, `[keep.count, hidden]` into
    /// `result`, in that order: attention still reads every row's key and value, but its output
    /// projection and the feed-forward block, three quarters of the block's work, run on the
    /// kept rows only. `x` is left as it was.
    func forward(
        _ x: UnsafeMutablePointer<Float>, sequences: [Range<Int>], rows: Int, scratch: LayerScratch,
        relativeBias: UnsafePointer<Float>? = nil, span: Int = 0, keeping keep: [Int],
        into result: UnsafeMutablePointer<Float>
    ) {
        let h = heads * headDim
        attend(x, sequences: sequences, rows: rows, scratch: scratch, relativeBias: relativeBias, span: span)
        // The keys are spent: their buffer takes the kept rows' attention context.
        for (i, row) in keep.enumerated() {
            (scratch.k + i * h).update(from: scratch.context + row * h, count: h)
            (result + i * h).update(from: x + row * h, count: h)
        }
        finish(result, context: scratch.k, rows: keep.count, scratch: scratch)
    }

    /// Self-attention: every row's attention context into `scratch.context`.
    private func attend(
        _ x: UnsafeMutablePointer<Float>, sequences: [Range<Int>], rows: Int, scratch: LayerScratch,
        relativeBias: UnsafePointer<Float>?, span: Int
    ) {
        let h = heads * headDim
        if !Linear.forwardWide([(query, scratch.q), (key, scratch.k), (value, scratch.v)], x, rows: rows) {
            query.forward(x, rows: rows, into: scratch.q)
            key.forward(x, rows: rows, into: scratch.k)
            value.forward(x, rows: rows, into: scratch.v)
        }
        attentionForward(
            out: scratch.context, q: scratch.q, k: scratch.k, v: scratch.v, ldQKV: h, sequences: sequences,
            heads: heads, headDim: headDim, scratch: scratch.scores, relativeBias: relativeBias, span: span,
            runtime: runtime)
    }

    /// The rest of the block, in place on `x` (`rows` rows) given their attention `context`.
    private func finish(
        _ x: UnsafeMutablePointer<Float>, context: UnsafePointer<Float>, rows: Int, scratch: LayerScratch
    ) {
        // x = LayerNorm(x + context · Woᵀ + bo)
        attentionOutput.forward(context, rows: rows, into: scratch.q)
        attentionLayerNorm.forward(inPlace: x, adding: scratch.q, rows: rows)
        // x = LayerNorm(x + act(x · W1ᵀ + b1) · W2ᵀ + b2)
        if !Linear.feedForwardWide(
            intermediate, activation, output, x, rows: rows, hidden: scratch.intermediate, into: scratch.q)
        {
            intermediate.forward(x, rows: rows, into: scratch.intermediate)
            activation.apply(scratch.intermediate, count: rows * intermediateSize, runtime: runtime)
            output.forward(scratch.intermediate, rows: rows, into: scratch.q)
        }
        outputLayerNorm.forward(inPlace: x, adding: scratch.q, rows: rows)
    }
}

/// Activation scratch for one forward pass, sized for the batch and reused by every layer.
final class LayerScratch {
    private let q_: Scratch
    private let k_: Scratch
    private let v_: Scratch
    private let context_: Scratch
    private let intermediate_: Scratch
    private let scores_: Scratch

    var q: UnsafeMutablePointer<Float> { q_.pointer }
    var k: UnsafeMutablePointer<Float> { k_.pointer }
    var v: UnsafeMutablePointer<Float> { v_.pointer }
    var context: UnsafeMutablePointer<Float> { context_.pointer }
    var intermediate: UnsafeMutablePointer<Float> { intermediate_.pointer }
    var scores: UnsafeMutablePointer<Float> { scores_.pointer }

    init(rows: Int, maxLength: Int, config: EncoderConfig) {
        let h = config.hiddenSize
        q_ = Scratch(rows * h)
        k_ = Scratch(rows * h)
        v_ = Scratch(rows * h)
        context_ = Scratch(rows * h)
        // Padded to whole panels of 16 rows: the wide feed-forward path keeps it transposed.
        intermediate_ = Scratch(widePaddedRows(rows) * config.intermediateSize)
        scores_ = Scratch(maxLength * maxLength)
    }
}
