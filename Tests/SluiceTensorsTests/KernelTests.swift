import XCTest

@testable import SluiceTensors

final class KernelTests: XCTestCase {
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
        linearForward(out: &out, input: x, weight: w, bias: b, rows: m, inFeatures: k, outFeatures: n)
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
        layerNormInPlace(&x, gamma: gamma, beta: beta, eps: 1e-12, rows: 2, cols: 4)
        let first = Array(x[0..<4])
        XCTAssertEqual(first.reduce(0, +), 0, accuracy: 1e-5)
        XCTAssertEqual(first.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-4)
        // A constant row has zero variance: the output is beta, not NaN.
        XCTAssertEqual(Array(x[4..<8]), [0, 0, 0, 0])
    }

    func testGeluVariants() {
        var exact: [Float] = [-1, 0, 1]
        Activation.gelu.apply(&exact, count: 3)
        // 0.5·x·(1 + erf(x/√2)) at x = 1 is Φ(1) = 0.8413447…
        XCTAssertEqual(exact[2], 0.841_344_7, accuracy: 1e-6)
        XCTAssertEqual(exact[1], 0)
        var relu: [Float] = [-1, 2]
        Activation.relu.apply(&relu, count: 2)
        XCTAssertEqual(relu, [0, 2])
    }
}

final class SmallBatchKernelTests: XCTestCase {
    /// The weight-streaming path (m ≤ smallBatchRowLimit) and the BLAS path agree with the
    /// definition for odd sizes, with and without bias.
    func testSmallBatchLinearMatchesDefinitionForOddShapes() {
        for (m, k, n) in [(1, 3, 5), (3, 17, 9), (4, 64, 33), (5, 40, 7), (8, 768, 31), (9, 20, 11)] {
            let x = (0..<(m * k)).map { Float(($0 * 7) % 13) / 6 - 1 }
            let w = (0..<(n * k)).map { Float(($0 * 5) % 11) / 5 - 1 }
            let b = (0..<n).map { Float($0) / 4 - 1 }
            for bias in [b, nil] {
                var out = [Float](repeating: .nan, count: m * n)
                linearForward(
                    out: &out, input: x, weight: w, bias: bias, rows: m, inFeatures: k, outFeatures: n)
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
