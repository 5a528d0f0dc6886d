import SluiceTensors

/// A pre-layer-norm block: `x += attention(norm₁(x))`, then `x += feedForward(norm₂(x))`.
/// Mirrors `ModernBertEncoderLayer` (its first layer has no attention norm) and
/// `Qwen3DecoderLayer` (`input_layernorm`, `post_attention_layernorm`); each family's file loads
/// the parts.
struct PreNormLayer: EncoderBlock {
    /// The norm before attention; nil where the reference has `nn.Identity` (ModernBERT's
    /// layer 0, whose input the embeddings' norm already normalised).
    let attentionNorm: (any ResidualNorm)?
    let attention: SelfAttention
    let feedForwardNorm: any ResidualNorm
    let feedForward: any FeedForward

    func forward(_ x: UnsafeMutablePointer<Float>, pass: LayerPass) {
        let scratch = pass.scratch
        attention.attend(normalized(x, attentionNorm, rows: pass.rows, scratch: scratch), pass: pass)
        finish(x, context: scratch.context, rows: pass.rows, scratch: scratch)
    }

    /// Attention still reads every row's key and value; its output projection and the
    /// feed-forward block run on the kept rows only.
    func forward(
        _ x: UnsafeMutablePointer<Float>, pass: LayerPass, keeping keep: [Int],
        into result: UnsafeMutablePointer<Float>
    ) {
        let (h, width) = (hidden, attention.width)
        let scratch = pass.scratch
        attention.attend(normalized(x, attentionNorm, rows: pass.rows, scratch: scratch), pass: pass)
        // The keys are spent: their buffer takes the kept rows' attention context.
        for (i, row) in keep.enumerated() {
            (scratch.k + i * width).update(from: scratch.context + row * width, count: width)
            (result + i * h).update(from: x + row * h, count: h)
        }
        finish(result, context: scratch.k, rows: keep.count, scratch: scratch)
    }

    /// Width of the block's input and output rows (the attention context may be wider: Qwen3's
    /// `heads · head_dim`).
    private var hidden: Int { attention.output.outFeatures }

    /// `norm(x)` for `rows` rows, in the context buffer (free until attention writes it, after
    /// the projections have read their input); `x` itself without a norm.
    private func normalized(
        _ x: UnsafeMutablePointer<Float>, _ norm: (any ResidualNorm)?, rows: Int, scratch: LayerScratch
    ) -> UnsafeMutablePointer<Float> {
        guard let norm else { return x }
        scratch.context.update(from: x, count: rows * hidden)
        norm.forward(inPlace: scratch.context, adding: nil, rows: rows)
        return scratch.context
    }

    /// The rest of the block, in place on `x` (`rows` rows) given their attention `context`.
    private func finish(
        _ x: UnsafeMutablePointer<Float>, context: UnsafePointer<Float>, rows: Int, scratch: LayerScratch
    ) {
        let count = rows * hidden
        // x += context · Woᵀ + bo
        attention.output.forward(context, rows: rows, into: scratch.q)
        add(scratch.q, into: x, count: count)
        // x += feedForward(norm₂(x)), the normalised rows in the spent value buffer
        scratch.v.update(from: x, count: count)
        feedForwardNorm.forward(inPlace: scratch.v, adding: nil, rows: rows)
        feedForward.forward(scratch.v, rows: rows, hidden: scratch.intermediate, into: scratch.q)
        add(scratch.q, into: x, count: count)
    }

    var weightCount: Int { attention.weightCount + feedForward.weightCount }

    func attentionMultiplyAdds(length: Int, tables: [any PassTable]) -> Int {
        attention.multiplyAdds(length: length, tables: tables)
    }

    /// `x += y` over `count` values: a residual connection.
    private func add(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        attention.runtime.parallelRanges(count, minimumPerThread: 1 << 14) { range in
            for i in range { x[i] += y[i] }
        }
    }
}
