import SluiceTensors

/// One transformer block of an encoder, as a family's file builds it. `PostNormLayer` is
/// BERT's shape, which every family here shares; a family of another shape (pre-norm
/// ModernBERT or Qwen3, DeBERTa-v2's disentangled attention) adds its own conformer in its
/// own file, made of the shared layers (`Linear`, `ResidualNorm`, `SelfAttention`,
/// `FeedForward`).
protocol EncoderBlock: Sendable {
    /// Updates `x` (`[pass.rows, hidden]`) in place.
    func forward(_ x: UnsafeMutablePointer<Float>, pass: LayerPass)
    /// The block's output for the rows `keep` of `x` alone, `[keep.count, hidden]` into
    /// `result`, in that order; `x` may be left as it was. Only the last block is asked this.
    func forward(
        _ x: UnsafeMutablePointer<Float>, pass: LayerPass, keeping keep: [Int],
        into result: UnsafeMutablePointer<Float>)
    /// Weights of its dense layers: the multiply-adds it spends per row on them, and the
    /// values it reads per pass.
    var weightCount: Int { get }
    /// Multiply-adds of its attention scores and weighted sums for one sequence of `length`
    /// tokens, counting only the pairs its masks (`tables`) leave visible.
    func attentionMultiplyAdds(length: Int, tables: [any PassTable]) -> Int
}

extension PostNormLayer {
    var weightCount: Int { attention.weightCount + feedForward.weightCount }

    func attentionMultiplyAdds(length: Int, tables: [any PassTable]) -> Int {
        attention.multiplyAdds(length: length, tables: tables)
    }
}

/// What one forward pass hands every layer: the batch's shape, activation scratch sized for
/// it, and the tables (`EncoderParts.tables`) computed for it.
struct LayerPass {
    /// Each sequence's rows.
    let sequences: [Range<Int>]
    /// Rows in the batch.
    let rows: Int
    /// The longest sequence.
    let span: Int
    let scratch: LayerScratch
    /// Each of `EncoderParts.tables` for `span`, in order.
    let tables: [[Float]]
}

/// The attention a post-norm block holds: it leaves every row's attention context in
/// `pass.scratch.context` (using `q`, `k`, `v` on the way), and the block runs its output
/// projection, on a few rows only in the last block. `SelfAttention` is BERT's;
/// `DisentangledAttention` is DeBERTa-v2's.
protocol LayerAttention: Sendable {
    /// The output projection (`attention.output.dense`).
    var output: Linear { get }
    /// Width of the attention context.
    var width: Int { get }
    /// Every row's attention context into `pass.scratch.context`.
    func attend(_ x: UnsafePointer<Float>, pass: LayerPass)
    /// Weights of its projections (multiply-adds per row).
    var weightCount: Int { get }
    /// Multiply-adds of its scores, position terms and weighted sums for one sequence of
    /// `length` tokens.
    func multiplyAdds(length: Int, tables: [any PassTable]) -> Int
}

/// A post-layer-norm block: self-attention, its output projection with residual and norm,
/// then the feed-forward block with residual and norm. Mirrors `BertLayer` and its copies
/// (RoBERTa's, ELECTRA's, DistilBERT's `TransformerBlock`, `MPNetLayer`); each family's file
/// names the weights.
struct PostNormLayer: EncoderBlock {
    let attention: any LayerAttention
    let attentionNorm: any ResidualNorm
    let feedForward: any FeedForward
    let outputNorm: any ResidualNorm

    /// Where a family's checkpoint keeps a post-norm block's weights, under the layer's scope.
    struct Names {
        var query: String
        var key: String
        var value: String
        var attentionOutput: String
        var attentionNorm: String
        var intermediate: String
        var output: String
        var outputNorm: String
    }

    /// Loads a block with `LayerNorm`s and an `MLP` from the weights `names` gives; its attention
    /// adds the pass's bias table `bias`, if any.
    init(_ weights: WeightStore, names: Names, config: EncoderConfig, bias: Int? = nil) throws {
        try self.init(
            weights, names: names, config: config,
            attention: SelfAttention(
                weights, query: names.query, key: names.key, value: names.value,
                output: names.attentionOutput,
                config: config, bias: bias))
    }

    /// A block whose attention the caller loaded from `names`' projections (DeBERTa-v2's
    /// disentangled one); its norms and feed-forward block as `names` gives them.
    init(_ weights: WeightStore, names: Names, config: EncoderConfig, attention: any LayerAttention) throws {
        let h = config.hiddenSize
        let eps = config.layerNormEps
        self.attention = attention
        attentionNorm = try LayerNorm(weights.scoped(names.attentionNorm), width: h, eps: eps)
        feedForward = try MLP(weights, first: names.intermediate, second: names.output, config: config)
        outputNorm = try LayerNorm(weights.scoped(names.outputNorm), width: h, eps: eps)
    }

    func forward(_ x: UnsafeMutablePointer<Float>, pass: LayerPass) {
        attention.attend(x, pass: pass)
        finish(x, context: pass.scratch.context, rows: pass.rows, scratch: pass.scratch)
    }

    /// Attention still reads every row's key and value, but its output projection and the
    /// feed-forward block, three quarters of the block's work, run on the kept rows only.
    func forward(
        _ x: UnsafeMutablePointer<Float>, pass: LayerPass, keeping keep: [Int],
        into result: UnsafeMutablePointer<Float>
    ) {
        let h = attention.width
        let scratch = pass.scratch
        attention.attend(x, pass: pass)
        // The keys are spent: their buffer takes the kept rows' attention context.
        for (i, row) in keep.enumerated() {
            (scratch.k + i * h).update(from: scratch.context + row * h, count: h)
            (result + i * h).update(from: x + row * h, count: h)
        }
        finish(result, context: scratch.k, rows: keep.count, scratch: scratch)
    }

    /// The rest of the block, in place on `x` (`rows` rows) given their attention `context`.
    private func finish(
        _ x: UnsafeMutablePointer<Float>, context: UnsafePointer<Float>, rows: Int, scratch: LayerScratch
    ) {
        // x = Norm(x + context · Woᵀ + bo)
        attention.output.forward(context, rows: rows, into: scratch.q)
        attentionNorm.forward(inPlace: x, adding: scratch.q, rows: rows)
        // x = Norm(x + feedForward(x))
        feedForward.forward(x, rows: rows, hidden: scratch.intermediate, into: scratch.q)
        outputNorm.forward(inPlace: x, adding: scratch.q, rows: rows)
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

    /// Scratch for `rows` rows of width `hidden` (the widest of the hidden state, the queries and
    /// the attention context), sequences of up to `maxLength` tokens, and a feed-forward block of
    /// `intermediate` values per row.
    init(rows: Int, maxLength: Int, hidden h: Int, intermediate: Int) {
        q_ = Scratch(rows * h)
        k_ = Scratch(rows * h)
        v_ = Scratch(rows * h)
        context_ = Scratch(rows * h)
        // Padded to whole panels of 16 rows: the wide feed-forward path keeps it transposed.
        intermediate_ = Scratch(widePaddedRows(rows) * intermediate)
        scores_ = Scratch(maxLength * maxLength)
    }
}
