import Dispatch
import Foundation
import SluiceModels
import SluicePipelines
import SluiceTensors

// Prints, against the memory read rate measured in the same run:
// 1. one linear layer of each bert-base shape (K×N = 768×3072, 3072×768, 768×30522) per
//    weight format and row count: weight bytes read per second (small batches are a weight
//    stream) and GFLOP/s (large batches are compute);
// 2. the recipe's workload on a bert-base-shaped fill-mask folder: one `test [MASK]` alone
//    (median of `iterations`) and 32 of them in one batch, per weight format, with the memory
//    floor of one request (every dense weight read once).
//
// usage: LowPrecisionBench [model folder] [iterations]   (SKIP_KERNELS=1: only the model part)

let arguments = CommandLine.arguments
let modelPath = arguments.count > 1 ? arguments[1] : "../../../models/bert-base-random"
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 40 : 40
let environment = ProcessInfo.processInfo.environment

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Best of `repetitions` timings of `body`, in seconds.
func bestTime(_ repetitions: Int, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<repetitions {
        let start = now()
        body()
        best = min(best, now() - start)
    }
    return best
}

func benchKernels(bandwidth: Double, runtime: ComputeRuntime) {
    let rowCounts = [1, 2, 4, 6, 8, 16, 32, 64, 256]
    for (k, n) in [(768, 3072), (3072, 768), (768, 30522)] {
        // Enough distinct matrices that each call streams from memory, not cache.
        let copies = max(2, 24 * 768 * 3072 / (k * n))
        var generator = SystemRandomNumberGenerator()
        let f32 = (0..<copies).map { _ in
            (0..<(n * k)).map { _ in Float.random(in: -0.1...0.1, using: &generator) }
        }
        let bf16 = f32.map { w in
            w.withUnsafeBufferPointer { BFloat16Weights(rounding: $0.baseAddress!, rows: n, columns: k) }
        }
        let int8 = f32.map { w in
            w.withUnsafeBufferPointer { Int8Weights(quantizing: $0.baseAddress!, rows: n, columns: k) }
        }
        print("linear K=\(k) N=\(n): weight GB/s (fraction of the read rate) | GFLOP/s")
        print(
            " rows        f32             bf16            int8         int8-dynamic    |  f32  bf16  int8 i8dyn"
        )
        for m in rowCounts {
            let x = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
            var out = [Float](repeating: 0, count: m * n)
            let seconds = (0..<4).map { format in
                bestTime(5) {
                    for c in 0..<copies {
                        switch format {
                        case 0:
                            linearForward(
                                out: &out, input: x, weight: f32[c], bias: nil, rows: m, inFeatures: k,
                                outFeatures: n, runtime: runtime)
                        case 1:
                            linearForward(
                                out: &out, input: x, weight: bf16[c], bias: nil, rows: m, runtime: runtime)
                        case 2:
                            linearForward(
                                out: &out, input: x, weight: int8[c], bias: nil, rows: m, activations: .f32,
                                runtime: runtime)
                        default:
                            linearForward(
                                out: &out, input: x, weight: int8[c], bias: nil, rows: m,
                                activations: .quantized, runtime: runtime)
                        }
                    }
                }
            }
            let weightBytes = [4.0, 2.0, 1.0, 1.0].map { Double(copies * n * k) * $0 }
            let flop = 2.0 * Double(copies * m * n * k)
            var line = String(format: "%5d", m)
            for (bytes, time) in zip(weightBytes, seconds) {
                line += String(
                    format: "   %6.1f (%3.0f%%)", bytes / time / 1e9, 100 * bytes / time / bandwidth)
            }
            line += " |" + seconds.map { String(format: " %5.0f", flop / $0 / 1e9) }.joined()
            print(line)
        }
    }
}

/// Dense weights of the encoder and the masked-LM head (transform and vocabulary projection).
func denseParameters(_ config: EncoderConfig) -> Double {
    let (h, i) = (Double(config.hiddenSize), Double(config.intermediateSize))
    return Double(config.numHiddenLayers) * (4 * h * h + 2 * h * i) + h * h + Double(config.vocabSize) * h
}

func benchModel(bandwidth: Double, runtime: ComputeRuntime) throws {
    let folder = try ModelFolder(path: modelPath)
    print(
        "model \(modelPath): one `test [MASK]` alone (median of \(iterations)) and 32 in one batch (median of 5)"
    )
    for format in DenseWeightFormat.allCases {
        let loadStart = now()
        let pipeline = try Pipeline(folder: folder, task: .fillMask, denseWeights: format, runtime: runtime)
        let load = now() - loadStart
        let bytesPerWeight = ["f32": 4.0, "bf16": 2.0][format.rawValue] ?? 1.0
        let floor = denseParameters(pipeline.config) * bytesPerWeight / bandwidth
        var alone: [Double] = []
        for i in 0..<(iterations + 3) {
            let start = now()
            _ = try pipeline.run(["test [MASK]"], parameters: nil)
            if i >= 3 { alone.append(now() - start) }
        }
        alone.sort()
        var batched: [Double] = []
        for _ in 0..<5 {
            let start = now()
            _ = try pipeline.run(Array(repeating: "test [MASK]", count: 32), parameters: nil)
            batched.append(now() - start)
        }
        batched.sort()
        let median = alone[alone.count / 2]
        print(
            String(
                format:
                    "%@ load %4.0f ms | alone: median %6.2f ms, min %6.2f ms; memory floor %5.2f ms (%3.0f%%) | 32 in a batch: %6.1f ms",
                format.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0), load * 1000,
                median * 1000, alone[0] * 1000, floor * 1000,
                100 * floor / median,
                batched[2] * 1000))
    }
}

let runtime = ComputeRuntime()
let bandwidth = measureReadBandwidth(runtime: runtime)
print(
    String(
        format: "memory read %.1f GB/s on %d compute threads; %@", bandwidth / 1e9, runtime.threads,
        Date().formatted(.iso8601)))
if environment["SKIP_KERNELS"] == nil { benchKernels(bandwidth: bandwidth, runtime: runtime) }
try benchModel(bandwidth: bandwidth, runtime: runtime)
