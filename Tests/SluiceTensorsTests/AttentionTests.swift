import Foundation
import XCTest

@testable import SluiceTensors

/// `attentionForward` against its definition computed in double, on sequences on both sides of
/// `directAttentionMaxLength(headDim:)` (direct kernel below; above, the blocked kernel for head
/// widths that are multiples of 16, matrix products for others) in one ragged batch,
/// with and without MPNet's relative position bias, for head widths the AVX-512 kernel takes
/// (multiples of 16 up to 64) and others, with as many key and value heads as query heads or
/// fewer (grouped-query attention).
final class AttentionTests: SIMDPathTestCase {
    private struct Case {
        let lengths: [Int]
        let heads: Int
        let headDim: Int
        let withBias: Bool
        /// Key and value heads; nil: `heads`.
        var kvHeads: Int? = nil
        /// A mask instead of random bias values: relative positions `j − i` in it are visible
        /// (bias 0), the others get `-Float.greatestFiniteMagnitude`, as `VisibilityBias` writes.
        var band: ClosedRange<Int>? = nil
    }

    /// Deterministic values in [-1, 1).
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Double(state >> 40) / Double(1 << 24) * 2 - 1)
        }
    }

    private func reference(
        q: [Float], k: [Float], v: [Float], sequences: [Range<Int>], heads: Int, kvHeads: Int, headDim: Int,
        bias: [Float]?, span: Int
    ) -> [Double] {
        let hidden = heads * headDim
        let kvWidth = kvHeads * headDim
        let group = heads / kvHeads
        var out = [Double](repeating: 0, count: q.count)
        for sequence in sequences {
            for h in 0..<heads {
                for i in sequence {
                    var scores = sequence.map { j -> Double in
                        var s = 0.0
                        for c in 0..<headDim {
                            s +=
                                Double(q[i * hidden + h * headDim + c])
                                * Double(k[j * kvWidth + h / group * headDim + c])
                        }
                        s /= Double(headDim).squareRoot()
                        if let bias { s += Double(bias[h * (2 * span - 1) + span - 1 + (j - i)]) }
                        return s
                    }
                    let top = scores.max()!
                    scores = scores.map { exp($0 - top) }
                    let sum = scores.reduce(0, +)
                    for (p, j) in zip(scores, sequence) {
                        for c in 0..<headDim {
                            out[i * hidden + h * headDim + c] +=
                                p / sum * Double(v[j * kvWidth + h / group * headDim + c])
                        }
                    }
                }
            }
        }
        return out
    }

    func testDirectAndMatrixProductPathsMatchTheDefinition() {
        // The longest direct length where the blocked kernel takes over (head widths that are
        // multiples of 16), and where matrix products do (others).
        let limit = directAttentionMaxLength(headDim: 16)
        let generalLimit = directAttentionMaxLength(headDim: 20)
        let cases = [
            Case(lengths: [1, 4, limit, limit + 1, 4, limit + 9], heads: 3, headDim: 16, withBias: false),
            Case(lengths: [2, generalLimit, 5, generalLimit + 5], heads: 2, headDim: 20, withBias: true),
            // Head widths that are multiples of 16 take the AVX-512 kernel where there is one.
            Case(lengths: [3, 9, 1, limit], heads: 2, headDim: 32, withBias: true),
            Case(lengths: [7, 12, limit + 2], heads: 3, headDim: 48, withBias: false),
            // Longer sequences with head widths that are multiples of 16 take the blocked kernel
            // (16 queries at a time: partial blocks, partial key tiles, MPNet's bias).
            Case(lengths: [limit + 1, 100, 47, 16], heads: 2, headDim: 32, withBias: true),
            Case(lengths: [130, limit + 7], heads: 2, headDim: 64, withBias: true),
            Case(lengths: [77, 3], heads: 3, headDim: 16, withBias: false),
            // 48 sequences of 4 tokens: enough work to split across threads.
            Case(lengths: Array(repeating: 4, count: 48), heads: 12, headDim: 64, withBias: false),
            // Grouped-query attention: every path, each key and value head serving 2 or 4 heads.
            Case(lengths: [1, 4, limit, limit + 1, 40], heads: 4, headDim: 16, withBias: true, kvHeads: 2),
            Case(
                lengths: [2, generalLimit, generalLimit + 5], heads: 4, headDim: 20, withBias: false,
                kvHeads: 1),
            Case(lengths: [3, limit, 33], heads: 4, headDim: 128, withBias: true, kvHeads: 2),
            Case(lengths: Array(repeating: 5, count: 20), heads: 8, headDim: 32, withBias: false, kvHeads: 2),
            // Masks: causal (Qwen3), a causal window, a two-sided window (ModernBERT's local
            // layers), on the blocked kernel's lengths, where it skips the masked keys.
            Case(lengths: [100, 47, limit + 3, 33], heads: 2, headDim: 32, withBias: true, band: -1_000...0),
            Case(lengths: [130, 20], heads: 2, headDim: 64, withBias: true, kvHeads: 1, band: -7...0),
            Case(lengths: [90, 17, 64], heads: 3, headDim: 16, withBias: true, band: -20...20),
        ]
        XCTAssertTrue(cases[0].lengths.contains { $0 <= limit })
        XCTAssertTrue(cases[0].lengths.contains { $0 > limit })
        for (index, test) in cases.enumerated() {
            let hidden = test.heads * test.headDim
            let kvHeads = test.kvHeads ?? test.heads
            let kvWidth = kvHeads * test.headDim
            var sequences: [Range<Int>] = []
            for length in test.lengths {
                sequences.append(
                    (sequences.last?.upperBound ?? 0)..<((sequences.last?.upperBound ?? 0) + length))
            }
            let rows = sequences.last!.upperBound
            let span = test.lengths.max()!
            let q = values(rows * hidden, seed: 1 + UInt64(index))
            let k = values(rows * kvWidth, seed: 100 + UInt64(index))
            let v = values(rows * kvWidth, seed: 200 + UInt64(index))
            var bias = test.withBias ? values(test.heads * (2 * span - 1), seed: 300) : nil
            if let band = test.band {
                bias = (0..<test.heads).flatMap { _ in
                    (-(span - 1)...(span - 1)).map { band.contains($0) ? 0 : -Float.greatestFiniteMagnitude }
                }
            }
            var out = [Float](repeating: .nan, count: rows * hidden)
            var scratch = [Float](repeating: 0, count: span * span)
            bias.withUnsafeBufferPointerOrNil { biasPointer in
                attentionForward(
                    out: &out, q: q, k: k, v: v, ldQKV: hidden, sequences: sequences, heads: test.heads,
                    headDim: test.headDim, scratch: &scratch, relativeBias: biasPointer, span: span,
                    kvHeads: test.kvHeads, ldKV: test.kvHeads.map { _ in kvWidth }, runtime: .forTests)
            }
            let expected = reference(
                q: q, k: k, v: v, sequences: sequences, heads: test.heads, kvHeads: kvHeads,
                headDim: test.headDim,
                bias: bias, span: span)
            let worst = zip(out, expected).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThan(worst, 2e-6, "case \(index)")
        }
    }
}

extension Optional where Wrapped == [Float] {
    fileprivate func withUnsafeBufferPointerOrNil(_ body: (UnsafePointer<Float>?) -> Void) {
        guard let array = self else { return body(nil) }
        array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
