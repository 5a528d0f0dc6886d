// Multi-head self-attention over ragged batches: the dense projections see every token of
// the batch as one matrix; scores are computed per sequence, so no padding exists anywhere.
// Shapes: q and out are `[tokens, hidden]` with `hidden = heads · headDim`; k and v are
// `[tokens, kvHeads · headDim]`, kvHeads dividing heads (grouped-query attention; kvHeads =
// heads for plain multi-head attention).

import CSluiceKernels

/// For each sequence (a run of `length` rows starting at `offset`) and each head:
/// `out_h = softmax(q_h · k_gᵀ / √headDim + bias_h) · v_g`, where key and value head
/// `g = h / (heads / kvHeads)` serves a group of query heads as transformers' `repeat_kv`
/// expands it (`g = h` without `kvHeads`). q rows are `ldQKV` apart, k and v rows `ldKV` apart
/// (`ldQKV` without it). `scratch` holds at least `maxLength²` floats. 4·T²·hidden FLOP per
/// sequence of T tokens.
///
/// `bias_h[i, j]`, when `relativeBias` is given, depends only on the relative position `j − i`
/// (MPNet's bucketed position bias): `relativeBias` is `[heads, 2·span − 1]`, and the value for
/// head `h` at `j − i = r` is at `h·(2·span − 1) + span − 1 + r`. `span` is at least the
/// longest sequence.
public func attentionForward(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    v: UnsafePointer<Float>, ldQKV: Int, sequences: [Range<Int>], heads: Int, headDim: Int,
    scratch: UnsafeMutablePointer<Float>, relativeBias: UnsafePointer<Float>? = nil, span: Int = 0,
    kvHeads: Int? = nil, ldKV: Int? = nil, runtime: ComputeRuntime
) {
    let hidden = heads * headDim
    let ldKV = ldKV ?? ldQKV
    let kvHeads = kvHeads ?? heads
    precondition(
        kvHeads > 0 && heads % kvHeads == 0, "\(kvHeads) key/value heads do not divide \(heads) heads")
    let group = heads / kvHeads
    let scale = 1 / Float(headDim).squareRoot()
    if relativeBias != nil, let longest = sequences.map(\.count).max() {
        precondition(longest <= span, "sequence of \(longest) tokens is longer than the bias span \(span)")
    }
    let directLimit = directAttentionMaxLength(headDim: headDim)
    let short = sequences.filter { $0.count <= directLimit }
    let long = sequences.filter { $0.count > directLimit }
    // Short sequences: the heads of a sequence computed directly in one call, the work split
    // across the compute threads by sequence, or by heads when there are fewer sequences than
    // threads to share (one request alone).
    if !short.isEmpty {
        let work = short.reduce(0) { $0 + $1.count * $1.count } * hidden
        let longest = short.map(\.count).max()!
        let chunks = short.count >= 2 * runtime.threads ? 1 : min(heads, runtime.threads)
        let perChunk = (heads + chunks - 1) / chunks
        let items = short.flatMap { sequence in
            stride(from: 0, to: heads, by: perChunk).map { (sequence, $0..<min(heads, $0 + perChunk)) }
        }
        runtime.parallelRanges(items.count, minimumPerThread: work > 1 << 17 ? 1 : items.count) {
            range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: longest * longest) { scores in
                for (sequence, headRange) in items[range] {
                    let kv = sequence.lowerBound * ldKV
                    sluice_attention_direct(
                        out + sequence.lowerBound * hidden, hidden, q + sequence.lowerBound * ldQKV, ldQKV,
                        k + kv, v + kv, ldKV, sequence.count, headRange.lowerBound, headRange.upperBound,
                        group,
                        headDim, scale, relativeBias, span, scores.baseAddress!)
                }
            }
        }
    }
    guard !long.isEmpty else { return }
    // Longer ones: the blocked kernel (or two matrix products) per (sequence, head), the pairs
    // split across the compute threads; each thread has its own work memory and scores buffer
    // (the caller's `scratch` serves the first).
    let items = long.flatMap { sequence in (0..<heads).map { (sequence, $0) } }
    let maxLength = long.map(\.count).max() ?? 0
    let work = items.reduce(0) { $0 + $1.0.count * $1.0.count } * headDim
    let blockedWork = sluice_attention_blocked_work(maxLength, headDim)
    // The scores buffers are for matrix products only: none when the blocked kernel runs.
    let blockedRuns = sluice_attention_blocked_available(headDim) != 0
    runtime.parallelRanges(items.count, minimumPerThread: work > 1 << 18 ? 1 : items.count) { range in
        let ownScratch: UnsafeMutablePointer<Float>? =
            range.lowerBound == 0 || blockedRuns ? nil : .allocate(capacity: max(maxLength * maxLength, 1))
        defer { ownScratch?.deallocate() }
        let scores = ownScratch ?? scratch
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blockedWork) { blocked in
            for (sequence, h) in items[range] {
                let kv = sequence.lowerBound * ldKV + (h / group) * headDim
                if sluice_attention_blocked_head(
                    out + sequence.lowerBound * hidden + h * headDim, hidden,
                    q + sequence.lowerBound * ldQKV + h * headDim, ldQKV, k + kv, v + kv, ldKV,
                    sequence.count,
                    headDim, scale, relativeBias.map { $0 + h * (2 * span - 1) + span - 1 },
                    blocked.baseAddress!)
                    != 0
                {
                    continue
                }
                attendOneHead(
                    out: out, q: q, k: k, v: v, ldQKV: ldQKV, ldKV: ldKV, sequence: sequence, head: h,
                    kvHead: h / group, hidden: hidden, headDim: headDim, scale: scale, scores: scores,
                    relativeBias: relativeBias, span: span)
            }
        }
    }
}

/// Sequences up to this many tokens are attended directly (`sluice_attention_direct`), longer
/// ones by the blocked kernel where the head width is a multiple of 16 and the processor has
/// AVX-512, else by matrix products. With the blocked kernel (all-MiniLM-L6-v2 and bert-base,
/// 2026-11-25): direct is 0.5 % faster at 4 tokens, the blocked kernel 2–8 % faster from 12 up
/// (whole forward passes, 8 or 32 sequences; 6–8 % at 128 tokens, 20 % at 512 against
/// matrix products). Against matrix products alone: direct was 1–5 % faster at 32 tokens,
/// BLAS 9 % faster at 48.
public func directAttentionMaxLength(headDim: Int) -> Int {
    sluice_attention_blocked_available(headDim) != 0 ? 8 : 32
}

/// One head of one sequence: `out_h = softmax(scale · q_h · k_gᵀ + bias_h) · v_g`, `g` its
/// key and value head.
private func attendOneHead(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    v: UnsafePointer<Float>, ldQKV: Int, ldKV: Int, sequence: Range<Int>, head h: Int, kvHead g: Int,
    hidden: Int, headDim: Int, scale: Float, scores scratch: UnsafeMutablePointer<Float>,
    relativeBias: UnsafePointer<Float>?, span: Int
) {
    let t = sequence.count
    guard t > 0 else { return }
    let start = sequence.lowerBound
    let qh = q + start * ldQKV + h * headDim
    let kh = k + start * ldKV + g * headDim
    let vh = v + start * ldKV + g * headDim
    // scores[t, t] = scale · q_h · k_gᵀ
    matmul(
        scratch, ldc: t, qh, lda: ldQKV, kh, ldb: ldKV, m: t, n: t, k: headDim, transposeB: true,
        alpha: scale)
    if let relativeBias {
        let headBias = relativeBias + h * (2 * span - 1) + span - 1
        for i in 0..<t {
            let row = scratch + i * t
            let rowBias = headBias - i  // rowBias[j] is the bias for j − i
            for j in 0..<t { row[j] += rowBias[j] }
        }
    }
    softmaxRowsInPlace(scratch, rows: t, cols: t)
    // out_h[t, headDim] = scores · v_h
    matmul(
        out + start * hidden + h * headDim, ldc: hidden, scratch, lda: t, vh, ldb: ldKV,
        m: t, n: headDim, k: t, transposeB: false)
}
