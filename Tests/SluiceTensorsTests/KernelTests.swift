import Foundation
import XCTest

@testable import SluiceTensors

final class KernelTests: SIMDPathTestCase {
    /// A direct triple loop, the definition the BLAS call must agree with.
    private func naiveLinear(_ x: [Float], _ w: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = b[j]
                for p in 0..<k { s += x[i * k + p] * w[j * k + p] }
                out[i * n + j] = s
            }
        }
        return out
    }

    func testLinearMatchesDefinitionInHuggingFaceLayout() {
        let (m, k, n) = (5, 7, 3)
        let x = (0..<(m * k)).map { Float($0 % 11) / 7 - 0.5 }
        let w = (0..<(n * k)).map { Float($0 % 5) / 3 - 0.6 }
        let b: [Float] = [0.25, -1, 2]
        var out = [Float](repeating: .nan, count: m * n)
        linearForward(
            out: &out, input: x, weight: w, bias: b, rows: m, inFeatures: k, outFeatures: n,
            runtime: .forTests)
        let expected = naiveLinear(x, w, b, m: m, k: k, n: n)
        for (a, e) in zip(out, expected) { XCTAssertEqual(a, e, accuracy: 1e-5) }
    }

    func testSoftmaxRowsSumToOneAndKeepOrder() {
        var x: [Float] = [1, 2, 3, -1000, 0, 1000]
        softmaxRowsInPlace(&x, rows: 2, cols: 3)
        XCTAssertEqual(x[0] + x[1] + x[2], 1, accuracy: 1e-6)
        XCTAssertLessThan(x[0], x[1])
        XCTAssertEqual(x[5], 1, accuracy: 1e-6)
        XCTAssertFalse(x.contains { $0.isNaN })
    }

    func testLayerNormGivesZeroMeanUnitVariance() {
        var x: [Float] = [1, 2, 3, 4, 10, 10, 10, 10]
        let gamma: [Float] = [1, 1, 1, 1]
        let beta: [Float] = [0, 0, 0, 0]
        layerNormInPlace(&x, gamma: gamma, beta: beta, eps: 1e-12, rows: 2, cols: 4, runtime: .forTests)
        let first = Array(x[0..<4])
        XCTAssertEqual(first.reduce(0, +), 0, accuracy: 1e-5)
        XCTAssertEqual(first.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-4)
        // A constant row has zero variance: the output is beta, not NaN.
        XCTAssertEqual(Array(x[4..<8]), [0, 0, 0, 0])
    }

    func testGeluVariants() {
        var exact: [Float] = [-1, 0, 1]
        Activation.gelu.apply(&exact, count: 3, runtime: .forTests)
        // 0.5·x·(1 + erf(x/√2)) at x = 1 is Φ(1) = 0.8413447…
        XCTAssertEqual(exact[2], 0.841_344_7, accuracy: 1e-6)
        XCTAssertEqual(exact[1], 0)
        var relu: [Float] = [-1, 2]
        Activation.relu.apply(&relu, count: 2, runtime: .forTests)
        XCTAssertEqual(relu, [0, 2])
    }
}

/// The vectorised element-wise kernels against their definitions computed in f64, over
/// lengths that leave a scalar tail and values across and beyond the range a layer sees.
final class ElementwiseKernelTests: SIMDPathTestCase {
    private let values: [Float] =
        (0..<4003).map { Float($0 - 2001) / 150 } + [-100, -30, 1e-7, -1e-7, 30, 100]

    func testExactGeluMatchesDefinition() {
        var x = values
        Activation.gelu.apply(&x, count: x.count, runtime: .forTests)
        for (v, out) in zip(values, x) {
            let d = Double(v)
            let expected = 0.5 * d * (1 + erf(d / 2.0.squareRoot()))
            XCTAssertEqual(Double(out), expected, accuracy: 5e-7 * max(1, abs(d)), "gelu(\(v))")
        }
    }

    func testTanhGeluMatchesDefinition() {
        for activation in [Activation.geluNew, .geluPytorchTanh] {
            var x = values
            activation.apply(&x, count: x.count, runtime: .forTests)
            for (v, out) in zip(values, x) {
                let d = Double(v)
                let expected = 0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)))
                XCTAssertEqual(Double(out), expected, accuracy: 5e-7 * max(1, abs(d)), "\(activation)(\(v))")
            }
        }
    }

    /// A gated linear unit's `act(x) · gate` in one pass (blocks of 1,024 values) equals the
    /// activation over the whole array followed by the product, to the bit, for every activation
    /// and for counts that end inside a block and inside a vector.
    func testGatedActivationEqualsActivationThenProductToTheBit() {
        for activation in Activation.allCases {
            for count in [1, 15, 1_024, 1_025, 3_000, values.count] {
                let x = Array(values.prefix(count))
                let gate = x.indices.map { Float(($0 * 37) % 101 - 50) / 25 }
                var separate = x
                activation.apply(&separate, count: count, runtime: .forTests)
                for i in 0..<count { separate[i] *= gate[i] }
                var fused = x
                activation.applyGated(&fused, gate: gate, count: count, runtime: .forTests)
                XCTAssertEqual(
                    fused.map(\.bitPattern), separate.map(\.bitPattern), "\(activation), \(count) values")
            }
        }
    }

    func testSiluMatchesDefinition() {
        var x = values
        Activation.silu.apply(&x, count: x.count, runtime: .forTests)
        for (v, out) in zip(values, x) {
            let d = Double(v)
            XCTAssertEqual(Double(out), d / (1 + exp(-d)), accuracy: 5e-7 * max(1, abs(d)), "silu(\(v))")
        }
    }

    /// `weight · x / sqrt(mean(x²) + eps)` per row, with and without a residual added first, over
    /// rows of several widths (Qwen3's per-head norms are rows of head_dim).
    func testRMSNormMatchesDefinition() {
        for cols in [1, 16, 37, 128] {
            let rows = 3
            let x = (0..<(rows * cols)).map { Float(($0 * 7919) % 2003) / 97 - 10 }
            let residual = (0..<(rows * cols)).map { Float(($0 * 31) % 17) / 8 - 1 }
            let weight = (0..<cols).map { Float($0 % 5) / 4 + 0.5 }
            for added in [nil, residual] {
                var out = x
                if let added {
                    rmsNormInPlace(
                        &out, adding: added, weight: weight, eps: 1e-6, rows: rows, cols: cols,
                        runtime: .forTests)
                } else {
                    rmsNormInPlace(
                        &out, weight: weight, eps: 1e-6, rows: rows, cols: cols, runtime: .forTests)
                }
                for r in 0..<rows {
                    let row = (0..<cols).map { Double(x[r * cols + $0]) + Double(added?[r * cols + $0] ?? 0) }
                    let scale = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(cols) + 1e-6).squareRoot()
                    for c in 0..<cols {
                        let expected = Double(weight[c]) * row[c] * scale
                        XCTAssertEqual(
                            Double(out[r * cols + c]), expected, accuracy: 1e-6 * max(1, abs(expected)),
                            "cols \(cols) row \(r) col \(c)")
                    }
                }
            }
        }
    }

    func testSoftmaxMatchesDefinition() {
        for cols in [1, 7, 8, 37, 128, 30522] {
            let rows = 3
            let x = (0..<(rows * cols)).map { Float(($0 * 7919) % 2003) / 97 - 10 }
            var out = x
            softmaxRowsInPlace(&out, rows: rows, cols: cols)
            for r in 0..<rows {
                let row = (0..<cols).map { Double(x[r * cols + $0]) }
                let top = row.max()!
                let sum = row.map { exp($0 - top) }.reduce(0, +)
                for c in 0..<cols {
                    let expected = exp(row[c] - top) / sum
                    XCTAssertEqual(
                        Double(out[r * cols + c]), expected, accuracy: 1e-6 * expected + 1e-12,
                        "cols \(cols) row \(r) col \(c)")
                }
            }
        }
    }

    func testLayerNormWithResidualMatchesDefinition() {
        for cols in [1, 7, 8, 37, 768] {
            let rows = 5
            let x = (0..<(rows * cols)).map { Float(($0 * 37) % 101) / 13 - 3 }
            let residual = (0..<(rows * cols)).map { Float(($0 * 11) % 17) / 5 - 1.5 }
            let gamma = (0..<cols).map { Float($0 % 7) / 3 + 0.5 }
            let beta = (0..<cols).map { Float($0 % 5) / 4 - 0.5 }
            var out = x
            layerNormInPlace(
                &out, adding: residual, gamma: gamma, beta: beta, eps: 1e-5, rows: rows, cols: cols,
                runtime: .forTests)
            for r in 0..<rows {
                let row = (0..<cols).map { Double(x[r * cols + $0] + residual[r * cols + $0]) }
                let mean = row.reduce(0, +) / Double(cols)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
                for c in 0..<cols {
                    let expected =
                        (row[c] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[c]) + Double(beta[c])
                    XCTAssertEqual(
                        Double(out[r * cols + c]), expected, accuracy: 1e-5 * max(1, abs(expected)),
                        "cols \(cols) row \(r) col \(c)")
                }
            }
        }
    }
}

/// The outer-product kernels (AVX-512, and AVX2 under `SLUICE_SIMD=avx2` or without AVX-512)
/// against the definition, over shapes that exercise every edge: rows not a multiple of 16 or
/// 32, several row blocks (> 128 rows), several passes over k (> 768 for AVX-512, > 4,096 for
/// AVX2 in place, > 768 for AVX2 where k is a multiple of 512 and its weight tiles are copied),
/// weight tiles cut short (n not a multiple of 12 or 6), with and without bias.
final class WideKernelTests: SIMDPathTestCase {
    func testWideLinearMatchesDefinition() throws {
        for (m, k, n) in [
            (7, 5, 13), (16, 64, 12), (17, 33, 25), (33, 800, 37), (130, 96, 50), (40, 1601, 14),
            (20, 4_100, 7), (29, 70, 11), (21, 1_536, 13),
        ] {
            let x = (0..<(m * k)).map { Float(($0 * 7) % 13) / 6 - 1 }
            let w = (0..<(n * k)).map { Float(($0 * 5) % 11) / 5 - 1 }
            let b = (0..<n).map { Float($0) / 4 - 1 }
            for bias in [b, nil] {
                var out = [Float](repeating: .nan, count: m * n)
                let ran = linearForwardWide(
                    out: &out, input: x, weight: w, bias: bias, rows: m, inFeatures: k, outFeatures: n,
                    runtime: .forTests)
                guard ran else {
                    throw XCTSkip("the wide kernel does not run here (no AVX2 and FMA)")
                }
                for i in 0..<m {
                    for j in 0..<n {
                        var s = Double(bias?[j] ?? 0)
                        for p in 0..<k { s += Double(x[i * k + p]) * Double(w[j * k + p]) }
                        XCTAssertEqual(
                            Double(out[i * n + j]), s, accuracy: 1e-4 * max(1, abs(s)), "m \(m) k \(k) n \(n)"
                        )
                    }
                }
            }
        }
    }
}

extension KernelTests {
    /// The fused feed-forward path (first product written transposed, activation in registers)
    /// gives the same bits as its three steps one after another, for every activation, odd
    /// row counts (padding rows), several passes over k, and with and without biases.
    func testFeedForwardWideMatchesItsStepsToTheBit() throws {
        // Hidden widths are multiples of 16, as every model's intermediate size is: the array
        // GELU finishes a last partial vector with the portable scalar form, a few ulps apart.
        for (m, k, hidden, n) in [
            (17, 40, 32, 13), (40, 800, 48, 24), (130, 96, 64, 20), (33, 1601, 16, 5), (18, 4_200, 16, 3),
            (19, 1_024, 32, 7),
        ] {
            let x = (0..<(m * k)).map { Float(($0 * 7) % 13) / 6 - 1 }
            let w1 = (0..<(hidden * k)).map { Float(($0 * 5) % 11) / 25 - 0.2 }
            let w2 = (0..<(n * hidden)).map { Float(($0 * 3) % 7) / 9 - 0.3 }
            let b1 = (0..<hidden).map { Float($0) / 8 - 1 }
            let b2 = (0..<n).map { Float($0) / 4 - 0.5 }
            for activation in Activation.allCases {
                for (bias1, bias2) in [(b1, b2), (nil, nil)] as [([Float]?, [Float]?)] {
                    var stepwise = [Float](repeating: .nan, count: m * n)
                    var middle = [Float](repeating: .nan, count: m * hidden)
                    guard
                        linearForwardWide(
                            out: &middle, input: x, weight: w1, bias: bias1, rows: m, inFeatures: k,
                            outFeatures: hidden, runtime: .forTests)
                    else {
                        throw XCTSkip("the wide kernel does not run here (no AVX2 and FMA)")
                    }
                    activation.apply(&middle, count: m * hidden, runtime: .forTests)
                    linearForwardWide(
                        out: &stepwise, input: middle, weight: w2, bias: bias2, rows: m, inFeatures: hidden,
                        outFeatures: n, runtime: .forTests)

                    var fused = [Float](repeating: .nan, count: m * n)
                    var panels = [Float](repeating: .nan, count: widePaddedRows(m) * hidden)
                    let ran = w1.withUnsafeBufferPointer { w1 in
                        w2.withUnsafeBufferPointer { w2 in
                            b1.withUnsafeBufferPointer { b1 in
                                b2.withUnsafeBufferPointer { b2 in
                                    feedForwardWide(
                                        out: &fused, input: x, rows: m, inFeatures: k,
                                        first: (w1.baseAddress!, bias1 == nil ? nil : b1.baseAddress),
                                        activation: activation, hidden: &panels, hiddenFeatures: hidden,
                                        second: (w2.baseAddress!, bias2 == nil ? nil : b2.baseAddress),
                                        outFeatures: n, runtime: .forTests)
                                }
                            }
                        }
                    }
                    XCTAssertTrue(ran)
                    let differing = zip(fused, stepwise).enumerated().filter {
                        $0.1.0.bitPattern != $0.1.1.bitPattern
                    }
                    XCTAssertTrue(
                        differing.isEmpty,
                        "m \(m) k \(k) hidden \(hidden) n \(n) \(activation) bias \(bias1 != nil): \(differing.count) of \(fused.count) differ, first \(differing.prefix(3).map { "\($0.0): \($0.1.0) vs \($0.1.1)" })"
                    )
                }
            }
        }
    }
}

final class SmallBatchKernelTests: SIMDPathTestCase {
    /// The weight-streaming path (m ≤ smallBatchRowLimit) and the BLAS path agree with the
    /// definition for odd sizes, with and without bias.
    func testSmallBatchLinearMatchesDefinitionForOddShapes() {
        for (m, k, n) in [
            (1, 3, 5), (3, 17, 9), (4, 64, 33), (5, 40, 7), (8, 768, 31), (9, 20, 11), (2, 2049, 13),
            (4, 2056, 9),
            (6, 3072, 6), (1, 2100, 3),
        ] {
            let x = (0..<(m * k)).map { Float(($0 * 7) % 13) / 6 - 1 }
            let w = (0..<(n * k)).map { Float(($0 * 5) % 11) / 5 - 1 }
            let b = (0..<n).map { Float($0) / 4 - 1 }
            for bias in [b, nil] {
                var out = [Float](repeating: .nan, count: m * n)
                linearForward(
                    out: &out, input: x, weight: w, bias: bias, rows: m, inFeatures: k, outFeatures: n,
                    runtime: .forTests)
                for i in 0..<m {
                    for j in 0..<n {
                        var s = Double(bias?[j] ?? 0)
                        for p in 0..<k { s += Double(x[i * k + p]) * Double(w[j * k + p]) }
                        XCTAssertEqual(
                            Double(out[i * n + j]), s, accuracy: 1e-4 * max(1, abs(s)), "m \(m) k \(k) n \(n)"
                        )
                    }
                }
            }
        }
    }
}
