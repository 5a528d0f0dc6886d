// Rotary position embeddings (RoPE) in the "rotate half" layout of transformers'
// `apply_rotary_pos_emb`: each head's first and second halves are the two coordinates of
// `headDim / 2` planes, and each plane turns by `position · invFreq[c]`.
// Shapes: `x` is `[tokens, ld]` row-major, the heads side by side from column 0.

import Foundation

/// The angles' cosines and sines for positions `0..<positions`: `[positions, headDim]`, the
/// `headDim / 2` cosines of a position then its sines. `θ = position · invFreq[c]` with
/// `invFreq[c] = 1 / base^(2c / headDim)`, each step rounded to f32 as transformers computes it
/// (`compute_default_rope_parameters`, then `position_ids.float() * inv_freq`).
public func rotaryTable(base: Double, headDim: Int, positions: Int) -> [Float] {
    let half = headDim / 2
    let inverse = (0..<half).map { c in 1 / powf(Float(base), Float(2 * c) / Float(headDim)) }
    var table = [Float](repeating: 0, count: positions * headDim)
    for p in 0..<positions {
        for c in 0..<half {
            let angle = Float(p) * inverse[c]
            table[p * headDim + c] = cosf(angle)
            table[p * headDim + half + c] = sinf(angle)
        }
    }
    return table
}

/// Turns every head of every row in place by its position in its sequence (0 at each
/// sequence's first row): for `c < d/2`, `x[c] ← x[c]·cos θ_c − x[c + d/2]·sin θ_c` and
/// `x[c + d/2] ← x[c + d/2]·cos θ_c + x[c]·sin θ_c`. `table` is `rotaryTable`'s, covering the
/// longest sequence. 6·tokens·heads·headDim/2 FLOP.
public func applyRotary(
    _ x: UnsafeMutablePointer<Float>, ld: Int, sequences: [Range<Int>], heads: Int, headDim: Int,
    table: UnsafePointer<Float>, runtime: ComputeRuntime
) {
    let half = headDim / 2
    let rows = sequences.flatMap { sequence in sequence.map { ($0, $0 - sequence.lowerBound) } }
    runtime.parallelRanges(rows.count, minimumPerThread: max(1, 8192 / max(heads * headDim, 1))) { range in
        for (row, position) in rows[range] {
            let cosines = table + position * headDim
            let sines = cosines + half
            for h in 0..<heads {
                let first = x + row * ld + h * headDim
                let second = first + half
                for c in 0..<half {
                    let a = first[c]
                    let b = second[c]
                    first[c] = a * cosines[c] - b * sines[c]
                    second[c] = b * cosines[c] + a * sines[c]
                }
            }
        }
    }
}
