import CSluiceKernels
import SluiceTensors
import XCTest

/// The bf16 and int8 weight formats and their linear layers against straightforward
/// references: conversions exactly, products within f32 rounding.
final class LowPrecisionKernelTests: SIMDPathTestCase {
    /// Round to nearest, ties to even, written as the definition: compare the dropped half.
    private func referenceBFloat16(_ value: Float) -> UInt16 {
        if value.isNaN { return UInt16(value.bitPattern >> 16) | 0x40 }
        let kept = value.bitPattern >> 16
        let dropped = value.bitPattern & 0xffff
        let roundUp = dropped > 0x8000 || (dropped == 0x8000 && kept & 1 == 1)
        return UInt16(kept + (roundUp ? 1 : 0))
    }

    private func widen(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    private func bfloat16(_ values: [Float]) -> [UInt16] {
        let weights = values.withUnsafeBufferPointer {
            BFloat16Weights(rounding: $0.baseAddress!, rows: 1, columns: values.count)
        }
        return Array(UnsafeBufferPointer(start: weights.baseAddress, count: values.count))
    }

    func testBFloat16RoundsToNearestWithTiesToEven() {
        let cases: [(UInt32, UInt16)] = [
            (0x3f80_0000, 0x3f80),  // 1 exactly
            (0x3f80_8000, 0x3f80),  // halfway, kept part even: down
            (0x3f81_8000, 0x3f82),  // halfway, kept part odd: up
            (0x3f80_8001, 0x3f81),  // just over half: up
            (0x3f80_7fff, 0x3f80),  // just under half: down
            (0xbf81_8000, 0xbf82),  // negative halfway, odd: away from zero
            (0x7f7f_ffff, 0x7f80),  // largest float rounds to infinity
            (0x7f80_0000, 0x7f80),  // infinity stays
            (0x0000_8000, 0x0000),  // subnormal halfway to zero, even: down
            (0x8000_0000, 0x8000),  // -0 stays
        ]
        let converted = bfloat16(cases.map { Float(bitPattern: $0.0) })
        for ((input, expected), ours) in zip(cases, converted) {
            XCTAssertEqual(ours, expected, "bf16(0x\(String(input, radix: 16)))")
        }
        let nan = bfloat16([Float(bitPattern: 0x7f80_0001), .nan])
        XCTAssertTrue(
            widen(nan[0]).isNaN && widen(nan[1]).isNaN, "NaN stays NaN, even with low payload bits only")
    }

    func testBFloat16MatchesTheDefinitionOnRandomBitPatterns() {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<100_003).map { _ in
            Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
        }
        let converted = bfloat16(values)
        var mismatches = 0
        for (value, ours) in zip(values, converted) {
            let reference = referenceBFloat16(value)
            if value.isNaN ? !widen(ours).isNaN : ours != reference { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testInt8QuantizesEachRowSymmetricallyByItsLargestMagnitude() {
        let (rows, columns) = (3, 37)
        var values = (0..<(rows * columns)).map { Float(($0 * 7919) % 201 - 100) / 37 }
        for c in 0..<columns { values[2 * columns + c] = 0 }  // an all-zero row
        let weights = values.withUnsafeBufferPointer {
            Int8Weights(quantizing: $0.baseAddress!, rows: rows, columns: columns)
        }
        for r in 0..<rows {
            let row = values[(r * columns)..<((r + 1) * columns)]
            let amax = row.map(abs).max()!
            XCTAssertEqual(weights.scales[r], amax / 127, "scale of row \(r)")
            for (c, v) in row.enumerated() {
                let q = weights.values[r * columns + c]
                let expected =
                    amax == 0 ? 0 : Int8(max(-127, min(127, (v * (127 / amax)).rounded(.toNearestOrEven))))
                XCTAssertLessThanOrEqual(abs(Int(q) - Int(expected)), 1, "row \(r) column \(c)")
                XCTAssertLessThanOrEqual(
                    abs(weights.scales[r] * Float(q) - v), weights.scales[r] * 0.5001, "row \(r) column \(c)")
            }
        }
    }

    /// Every row count from the streaming kernel's specialisations through the sgemm path,
    /// with widths that are and are not multiples of the vector length.
    private func checkLinear(
        _ compute: (
            _ out: inout [Float], _ x: [Float], _ w: [Float], _ b: [Float], _ m: Int, _ k: Int, _ n: Int
        )
            -> (weights: [Float], input: [Float]),
        label: String
    ) {
        var generator = SystemRandomNumberGenerator()
        for (k, n) in [(5, 3), (16, 17), (40, 9), (768, 200), (3072, 24)] {
            let w = (0..<(n * k)).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            let b = (0..<n).map { _ in Float.random(in: -1...1, using: &generator) }
            for m in [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 17, 40] {
                let x = (0..<(m * k)).map { _ in Float.random(in: -2...2, using: &generator) }
                var out = [Float](repeating: .nan, count: m * n)
                // The weights as the format holds them, widened back to f32.
                // The weights as the format holds them and the input as the kernel used it, in f32.
                let (held, used) = compute(&out, x, w, b, m, k, n)
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = Double(b[j])
                        var magnitude = abs(Double(b[j]))
                        for p in 0..<k {
                            sum += Double(used[i * k + p]) * Double(held[j * k + p])
                            magnitude += abs(Double(used[i * k + p]) * Double(held[j * k + p]))
                        }
                        let error = abs(Double(out[i * n + j]) - sum)
                        if !(error <= 1e-5 * magnitude + 1e-6) {
                            return XCTFail(
                                "\(label) m=\(m) k=\(k) n=\(n) [\(i), \(j)]: \(out[i * n + j]) vs \(sum)")
                        }
                    }
                }
            }
        }
    }

    func testBFloat16LinearComputesWithTheRoundedWeightsInF32() {
        checkLinear(
            { out, x, w, b, m, k, n in
                let weights = w.withUnsafeBufferPointer {
                    BFloat16Weights(rounding: $0.baseAddress!, rows: n, columns: k)
                }
                linearForward(out: &out, input: x, weight: weights, bias: b, rows: m, runtime: .forTests)
                return ((0..<(n * k)).map { widen(weights.baseAddress[$0]) }, x)
            }, label: "bf16")
    }

    /// The input as the int8 kernel quantizes it: per row, `max |x| / 127`, ties to even.
    private func quantizedInput(_ x: [Float], m: Int, k: Int) -> [Float] {
        (0..<m).flatMap { i -> [Float] in
            let row = x[(i * k)..<((i + 1) * k)]
            let scale = row.map(abs).max()! / 127
            let inverse = scale > 0 ? 1 / scale : 0
            return row.map { scale * max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven))) }
        }
    }

    func testInt8LinearComputesWithDequantizedWeightsAndQuantizedSmallBatches() {
        checkLinear(
            { out, x, w, b, m, k, n in
                let weights = w.withUnsafeBufferPointer {
                    Int8Weights(quantizing: $0.baseAddress!, rows: n, columns: k)
                }
                linearForward(
                    out: &out, input: x, weight: weights, bias: b, rows: m, activations: .quantized,
                    runtime: .forTests)
                let input = m > 1 ? quantizedInput(x, m: m, k: k) : x
                return ((0..<(n * k)).map { weights.scales[$0 / k] * Float(weights.values[$0]) }, input)
            }, label: "int8")
    }

    func testInt8LinearWithF32ActivationsComputesWithTheDequantizedWeights() {
        checkLinear(
            { out, x, w, b, m, k, n in
                let weights = w.withUnsafeBufferPointer {
                    Int8Weights(quantizing: $0.baseAddress!, rows: n, columns: k)
                }
                linearForward(
                    out: &out, input: x, weight: weights, bias: b, rows: m, activations: .f32,
                    runtime: .forTests)
                return ((0..<(n * k)).map { weights.scales[$0 / k] * Float(weights.values[$0]) }, x)
            }, label: "int8, f32 activations")
    }

    /// AVX-VNNI, AVX2 and the portable loop sum the same integers, so they agree bit for bit.
    func testInt8IntegerDotProductPathsAgreeExactly() {
        var generator = SystemRandomNumberGenerator()
        let (m, k, n) = (5, 100, 37)
        let w = (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &generator) }
        let x = (0..<(m * k)).map { _ in Float.random(in: -3...3, using: &generator) }
        let b = (0..<n).map { _ in Float.random(in: -1...1, using: &generator) }
        let weights = w.withUnsafeBufferPointer {
            Int8Weights(quantizing: $0.baseAddress!, rows: n, columns: k)
        }
        var quantized = [UInt8](repeating: 0, count: m * k)
        var scales = [Float](repeating: 0, count: m)
        sluice_quantize_activations_u8(&quantized, &scales, x, m, k)
        let levels = Array(0...Int(sluice_int8_dot_level()))
        XCTAssertGreaterThan(levels.count, 1, "this machine runs only the portable path")
        let outputs = levels.map { level -> [Float] in
            var out = [Float](repeating: .nan, count: m * n)
            sluice_linear_int8_quantized_small_m_at(
                Int32(level), &out, quantized, scales, weights.values, weights.scales, weights.rowSums, b, m,
                k, n, 0,
                n)
            return out
        }
        for (level, out) in zip(levels, outputs) {
            XCTAssertEqual(out, outputs[0], "path \(level) against the portable path")
        }
    }

    func testLinearWithoutBias() {
        let (m, k, n) = (3, 20, 4)
        let x = (0..<(m * k)).map { Float($0 % 9) / 4 - 1 }
        let w = (0..<(n * k)).map { Float($0 % 7) / 8 - 0.375 }  // exact in bf16
        let weights = w.withUnsafeBufferPointer {
            BFloat16Weights(rounding: $0.baseAddress!, rows: n, columns: k)
        }
        var out = [Float](repeating: .nan, count: m * n)
        linearForward(out: &out, input: x, weight: weights, bias: nil, rows: m, runtime: .forTests)
        for i in 0..<m {
            for j in 0..<n {
                let expected = (0..<k).reduce(Float(0)) { $0 + x[i * k + $1] * w[j * k + $1] }
                XCTAssertEqual(out[i * n + j], expected, accuracy: 1e-5)
            }
        }
    }
}
