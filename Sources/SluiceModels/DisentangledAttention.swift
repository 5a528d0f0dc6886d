import Foundation
import SluiceTensors

/// DeBERTa's disentangled self-attention over a ragged batch. Mirrors `DisentangledSelfAttention`
/// (with `DebertaV2SelfOutput.dense` as `output`, run by the block): for query `i` and key `j`
/// of one sequence and one head, with `δ = index(i − j)` the row of the relative table,
///
///     score(i, j) = (q_i · k_j + q_i · Kr[δ] (c2p) + k_j · Qr[δ] (p2c)) / √(headDim · scaleFactor)
///
/// then softmax over `j` and the weighted sum of values. `Kr` and `Qr` are the relative table
/// projected by the layer's `pos_key_proj` / `pos_query_proj` (or, with `share_att_key`, its key
/// and query projections); they depend on the weights only, so they are computed once, at load.
/// transformers' p2c gathers `k_j · Qr[clamp(−index(j − i) + span)]`; the bucketing is odd in
/// its argument, so that is the same row `δ`.
struct DisentangledAttention: LayerAttention {
    /// `query_proj`, `key_proj`, `value_proj` and the output projection, with the head layout.
    let projections: SelfAttention
    /// `1 / √(headDim · scaleFactor)`.
    let scale: Float
    /// The position terms, nil without `relative_attention`.
    let relative: RelativeTerms?

    /// The relative table projected for one layer, and where the pass keeps the row index of
    /// each relative position.
    struct RelativeTerms: Sendable {
        /// `[2·span, width]`: the table through the key projection, for c2p (nil without it).
        let keys: [Float]?
        /// `[2·span, width]`: the table through the query projection, for p2c (nil without it).
        let queries: [Float]?
        /// Which of the pass's tables is `DisentangledPositions`' row index by `i − j`.
        let table: Int
    }

    var output: Linear { projections.output }
    var width: Int { projections.width }
    private var heads: Int { projections.heads }
    private var headDim: Int { projections.headDim }
    /// Where the attention kernels run: where the projections do.
    private var runtime: ComputeRuntime { projections.runtime }

    var weightCount: Int { projections.weightCount }

    /// Content scores and the weighted sum (`width` each per pair), and each position term's
    /// products of a query (or key) row with every table row the sequence reaches.
    func multiplyAdds(length t: Int, tables: [any PassTable]) -> Int {
        var total = 2 * width * t * t
        if t > 0, let relative, let positions = tables[relative.table] as? DisentangledPositions {
            let rows = (-(t - 1)...(t - 1)).map(positions.row)
            let reached = rows.max()! - rows.min()! + 1
            let terms = (relative.keys == nil ? 0 : 1) + (relative.queries == nil ? 0 : 1)
            total += terms * width * t * reached
        }
        return total
    }

    /// Every row's attention context into `pass.scratch.context`.
    func attend(_ x: UnsafePointer<Float>, pass: LayerPass) {
        let scratch = pass.scratch
        projections.project(x, pass: pass)
        let items = pass.sequences.filter { !$0.isEmpty }.flatMap { sequence in
            (0..<heads).map { (sequence, $0) }
        }
        let longest = pass.sequences.map(\.count).max() ?? 0
        guard longest > 0 else { return }
        let work = items.reduce(0) { $0 + $1.0.count * $1.0.count } * headDim
        let index = relative.map { pass.tables[$0.table] } ?? []
        index.withUnsafeBufferPointer { index in
            // Per thread: the scores, and c2p and p2c products over at most 2·longest − 1 rows.
            let perThread = longest * longest + 2 * longest * (2 * longest - 1)
            runtime.parallelRanges(items.count, minimumPerThread: work > 1 << 16 ? 1 : items.count) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: perThread) { buffer in
                    for (sequence, head) in items[range] {
                        attendOneHead(
                            sequence: sequence, head: head, scratch: scratch, span: pass.span,
                            index: index.baseAddress, buffer: buffer.baseAddress!)
                    }
                }
            }
        }
    }

    /// One head of one sequence of `t` tokens. `index[span − 1 + r]` is the table row for
    /// `i − j = r`; `buffer` holds `t² + 2·t·(2t − 1)` floats.
    private func attendOneHead(
        sequence: Range<Int>, head h: Int, scratch: LayerScratch, span: Int, index: UnsafePointer<Float>?,
        buffer: UnsafeMutablePointer<Float>
    ) {
        let t = sequence.count
        let ld = width
        let start = sequence.lowerBound * ld + h * headDim
        let qh = scratch.q + start
        let kh = scratch.k + start
        let scores = buffer
        // scores[t, t] = scale · q_h · k_hᵀ
        matmul(
            scores, ldc: t, qh, lda: ld, kh, ldb: ld, m: t, n: t, k: headDim, transposeB: true, alpha: scale)
        if let relative, let index {
            // The rows of the table this sequence reaches: the index of i − j over −(t−1)…t−1.
            let reached = (0..<(2 * t - 1)).map { Int(index[span - t + $0]) }
            let low = reached.min()!
            let count = reached.max()! - low + 1
            let products = buffer + t * t
            // products[a, δ − low] = scale · (row a of `content`) · (row δ of `positions`)ᵀ, then
            // score(i, j) += products[c2p ? i : j, index(i − j) − low].
            func add(_ content: UnsafePointer<Float>, _ positions: [Float], byQuery: Bool) {
                positions.withUnsafeBufferPointer { table in
                    matmul(
                        products, ldc: count, content, lda: ld, table.baseAddress! + low * ld + h * headDim,
                        ldb: ld,
                        m: t, n: count, k: headDim, transposeB: true, alpha: scale)
                }
                for i in 0..<t {
                    let row = scores + i * t
                    for j in 0..<t {
                        let delta = reached[t - 1 + i - j] - low
                        row[j] += products[(byQuery ? i : j) * count + delta]
                    }
                }
            }
            if let keys = relative.keys { add(qh, keys, byQuery: true) }
            if let queries = relative.queries { add(kh, queries, byQuery: false) }
        }
        softmaxRowsInPlace(scores, rows: t, cols: t)
        // context_h[t, headDim] = scores · v_h
        matmul(
            scratch.context + start, ldc: ld, scores, lda: t, scratch.v + start, ldb: ld, m: t, n: headDim,
            k: t,
            transposeB: false)
    }
}

/// The relative table's row for each relative position `i − j` of a pass, as a float per
/// position (`[2·span − 1]`, position `r` at `span − 1 + r`). Mirrors `build_relative_position`
/// and `make_log_bucket_position` (positions past `position_buckets / 2` share buckets that grow
/// logarithmically up to `max_relative_positions`), then `clamp(index + att_span, 0, 2·att_span − 1)`.
struct DisentangledPositions: PassTable {
    /// `position_buckets`, or 0 or less for none.
    let buckets: Int
    /// `max_relative_positions`, as the encoder reads it.
    let maxRelative: Int
    /// The table's half height (`att_span`).
    let attentionSpan: Int

    func table(span: Int) -> [Float] {
        guard span > 0 else { return [] }
        return (-(span - 1)...(span - 1)).map { Float(row($0)) }
    }

    /// The table row for `i − j = relative`.
    func row(_ relative: Int) -> Int {
        let position = buckets > 0 && maxRelative > 0 ? bucket(relative) : relative
        return min(max(position + attentionSpan, 0), 2 * attentionSpan - 1)
    }

    /// `make_log_bucket_position` for one relative position, in f32 as torch computes it:
    /// exact within `mid = buckets / 2`, beyond it
    /// `sign · (ceil(log(|r| / mid) / log((max − 1) / mid) · (mid − 1)) + mid)`.
    func bucket(_ relative: Int) -> Int {
        let mid = buckets / 2
        let absolute = relative < mid && relative > -mid ? mid - 1 : abs(relative)
        guard absolute > mid else { return relative }
        // `(max_position - 1) / mid` is a Python float, made an f32 tensor.
        let range = Float(Double(maxRelative - 1) / Double(mid))
        let scaled = logf(Float(absolute) / Float(mid)) / logf(range) * Float(mid - 1)
        let position = Int(ceilf(scaled)) + mid
        return relative < 0 ? -position : position
    }
}
