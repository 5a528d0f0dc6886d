import ArgumentParser
import Dispatch
import Foundation
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceTensors

/// `sluice bench`: encoder throughput on ragged batches, stated against this machine's two
/// floors measured in the same run (memory bandwidth for small batches, GEMM FLOP/s for
/// large ones). With `--batches`, the pipeline's model step (encoder and head, as the server's
/// inference thread runs it) on given batches of texts, for comparing engines on the same
/// batches (`scripts/bench/compare.sh`).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the encoder's speed against the memory and compute floors of this machine.",
        discussion: """
            With --batches FILE (JSON lines {"name": ..., "texts": [...]}), each batch's texts are \
            tokenized and prepared for --task once, then Pipeline.forward (one ragged forward pass \
            and the task's head, as the server's inference thread runs it) is timed on them; one \
            JSON line per batch: name, sequences, tokens, max_tokens, median_ms, min_ms, parks_per_pass (times a
            compute thread slept between two kernel calls of a pass and had to be woken).
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Time the pipeline's forward pass on these batches of texts (JSON lines).", valueName: "file"))
    var batches: String?

    @Option(name: .long, help: "Comma-separated batch sizes (sequences per forward pass).")
    var batchSizes: String = "1,8,32"

    @Option(name: .long, help: "Tokens per sequence, special tokens included.")
    var tokens: Int = 8

    @Option(name: .long, help: "Timed forward passes per batch size (the median is reported).")
    var iterations: Int = 20

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Also time single linear layers (K=768, N=3072) by both kernels.")
    var kernels = false

    @Flag(name: .long, help: "Only measure the floors and print them as one JSON object (for scripts).")
    var floorsJSON = false

    func run() async throws {
        let runtime = ComputeRuntime(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let simd = try modelOptions.applySIMD()
        // On standard error: `--batches` and `--floors-json` print JSON only.
        FileHandle.standardError.write(Data("kernels (--simd \(simd.mode.rawValue)): \(simd)\n".utf8))
        let path = try await modelOptions.folder()
        if let batches { return try benchBatches(file: batches, folder: path, runtime: runtime) }
        let folder = try ModelFolder(path: path)
        let config = try BertConfig(contentsOf: folder.file("config.json"))
        let weights = try WeightStore(files: folder.weightFiles(), runtime: runtime)
        let encoder = try EncoderModel(config: config, weights: weights)
        let h = Double(config.hiddenSize)
        // A multiply-add per dense weight per token (Q, K, V, O and the feed-forward block, as
        // wide as the family makes them: a gated block has three matrices), each weight read
        // once per pass.
        let denseFlopPerToken = 2 * Double(encoder.denseWeightCount)
        let encoderBytes = 4 * Double(encoder.denseWeightCount)
        // Scores and weighted sums, only over the pairs each layer computes (windows).
        func attentionFlop(_ lengths: [Int]) -> Double {
            lengths.reduce(0) { $0 + 2 * Double(encoder.attentionMultiplyAdds(length: $1)) }
        }

        let bandwidth = measureReadBandwidth(runtime: runtime)
        let rates = measureGEMMRate(runtime: runtime)
        let gemm = rates.best
        if floorsJSON {
            // The masked-LM head: transform (H²) and vocabulary projection (V·H), per masked row.
            let headWeights = h * h + Double(config.vocabSize) * h
            // Attention: Q·Kᵀ and the weighted sum of V per pair of tokens of one sequence, in
            // every layer, as a whole-sequence figure for each length up to 2048 (windowed
            // layers count only the pairs inside their windows); the per-pair rate of a layer
            // that sees every pair for longer ones.
            let attentionFlopPerPair = attentionFlop([2]) / 4
            let byLength = (0...2048).map { attentionFlop([$0]) }.map { String(format: "%.0f", $0) }
            print(
                """
                {"read_bytes_per_s":\(bandwidth),"gemm_flop_per_s":\(gemm),"blas_flop_per_s":\(rates.blas),\
                "sluice_gemm_flop_per_s":\(rates.sluice),"encoder_bytes":\(encoderBytes),\
                "head_bytes":\(4 * headWeights),"flop_per_token":\(denseFlopPerToken),\
                "head_flop_per_mask":\(2 * headWeights),"attention_flop_per_token_pair":\(attentionFlopPerPair),\
                "attention_flop_by_length":[\(byLength.joined(separator: ","))],\
                "layers":\(config.numHiddenLayers),"hidden":\(config.hiddenSize),\
                "intermediate":\(config.intermediateSize),"vocab":\(config.vocabSize)}
                """)
            return
        }
        print(
            "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, compute threads \(runtime.threads)"
        )
        print(
            String(
                format:
                    "floor inputs (this run): memory read %.1f GB/s, matrix products %.1f GFLOP/s "
                    + "(the faster of OpenBLAS sgemm %.1f and Sluice's kernel %.1f)", bandwidth / 1e9,
                gemm / 1e9,
                rates.blas / 1e9, rates.sluice / 1e9))
        print(
            String(
                format: "model: %@, %d layers, hidden %d; encoder weights %.0f MB; %.1f MFLOP/token (dense)",
                folder.url.lastPathComponent, config.numHiddenLayers, config.hiddenSize, encoderBytes / 1e6,
                denseFlopPerToken / 1e6))
        if kernels { benchKernels(bandwidth: bandwidth, runtime: runtime) }
        print("batch  tokens  median ms  tokens/s   GFLOP/s  floor ms  fraction of floor")
        for size in batchSizes.split(separator: ",").compactMap({ Int($0) }) where size > 0 {
            var batch = RaggedBatch()
            for s in 0..<size {
                let ids = [101] + (0..<max(tokens - 2, 0)).map { 1000 + (s * 7 + $0 * 13) % 20000 } + [102]
                batch.append(ids: ids, typeIds: Array(repeating: 0, count: ids.count))
            }
            let times = try timedRuns { _ = try encoder.forward(batch) }
            let median = times[times.count / 2]
            let flop =
                denseFlopPerToken * Double(batch.tokenCount) + attentionFlop(batch.sequences.map(\.count))
            // The floor is whichever bound is higher: reading every weight once, or the FLOPs.
            let floor = max(encoderBytes / bandwidth, flop / gemm)
            print(
                String(
                    format: "%5d  %6d  %9.2f  %8.0f  %8.1f  %8.2f  %5.0f%% (%@-bound)", size,
                    batch.tokenCount,
                    median * 1e3, Double(batch.tokenCount) / median, flop / median / 1e9, floor * 1e3,
                    100 * floor / median, encoderBytes / bandwidth > flop / gemm ? "memory" : "compute"))
        }
    }

    /// Seconds of `iterations` runs of `body` after one warm-up run, sorted.
    private func timedRuns(_ body: () throws -> Void) rethrows -> [Double] {
        try body()  // warm-up
        var times: [Double] = []
        for _ in 0..<max(iterations, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()
    }

    /// Times `Pipeline.forward` on each batch of the JSON-lines file, after tokenizing and
    /// preparing its texts once, and prints one JSON line per batch.
    private func benchBatches(file: String, folder: String, runtime: ComputeRuntime) throws {
        let pipeline = try modelOptions.loadPipeline(folder: folder, runtime: runtime)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            let object = try? JSONValue.parse(Array(line.utf8))
            let texts = object?["texts"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard let name = object?["name"]?.stringValue, !texts.isEmpty,
                texts.count == object?["texts"]?.arrayValue?.count
            else {
                throw ValidationError(
                    "each line of \(file) must be {\"name\": string, \"texts\": [string, ...]}")
            }
            let inputs = try texts.map { try pipeline.prepare($0) }
            let parksBefore = runtime.parks
            let times = try timedRuns { _ = try pipeline.forward(inputs) }
            let parks = Double(runtime.parks - parksBefore) / Double(times.count + 1)  // with the warm-up
            // The request side's share: each input's output made into its JSON answer.
            let outputs = try pipeline.forward(inputs)
            let finishTimes = try timedRuns {
                for (input, output) in zip(inputs, outputs) {
                    _ = try pipeline.finish(input, output).pythonJSONBytes
                }
            }
            let result: JSONValue = [
                "finish_median_ms": .number(finishTimes[finishTimes.count / 2] * 1e3),
                "iterations": .int(times.count), "max_tokens": .int(inputs.map(\.tokenCount).max() ?? 0),
                "median_ms": .number(times[times.count / 2] * 1e3), "min_ms": .number(times[0] * 1e3),
                "name": .string(name), "parks_per_pass": .number(parks), "sequences": .int(inputs.count),
                "tokens": .int(inputs.reduce(0) { $0 + $1.tokenCount }),
            ]
            print(result.pythonJSON)
        }
    }

    /// Weight-streaming rate of one linear layer (bert-base's feed-forward shape) by the
    /// streaming kernel and by BLAS, for small row counts.
    private func benchKernels(bandwidth: Double, runtime: ComputeRuntime) {
        let (k, n) = (768, 3072)
        // Several distinct weight matrices, so that each call streams from memory, not cache.
        let copies = 24
        let weights = (0..<copies).map { c in [Float](repeating: Float(c) * 1e-3, count: n * k) }
        let bias = [Float](repeating: 0, count: n)
        print("linear K=\(k) N=\(n): weight GB/s (fraction of the read floor)")
        print("rows  streaming        BLAS")
        for m in [1, 2, 4, 8, 16] {
            let x = [Float](repeating: 0.5, count: m * k)
            var out = [Float](repeating: 0, count: m * n)
            var rates: [Double] = []
            for useBLAS in [false, true] {
                var best = Double.infinity
                for _ in 0..<3 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    for w in weights {
                        if useBLAS {
                            linearForwardBLAS(
                                out: &out, input: x, weight: w, bias: bias, rows: m, inFeatures: k,
                                outFeatures: n, runtime: runtime)
                        } else {
                            linearForwardStreaming(
                                out: &out, input: x, weight: w, bias: bias, rows: m, inFeatures: k,
                                outFeatures: n, runtime: runtime)
                        }
                    }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
                rates.append(Double(copies * n * k * 4) / best)
            }
            print(
                String(
                    format: "%4d  %5.1f (%3.0f%%)  %5.1f (%3.0f%%)", m, rates[0] / 1e9,
                    100 * rates[0] / bandwidth,
                    rates[1] / 1e9, 100 * rates[1] / bandwidth))
        }
    }

    /// The best matrix-product rate this machine reaches in this run, FLOP/s: a product shaped
    /// like a feed-forward layer (M = 512, K = 768, N = 3072), through OpenBLAS's sgemm and
    /// through Sluice's own kernel for large batches, the faster of the two. A compute floor
    /// from the slower one would let a result pass 100 %.
    private func measureGEMMRate(runtime: ComputeRuntime) -> (best: Double, blas: Double, sluice: Double) {
        let (m, k, n) = (512, 768, 3072)
        let a = [Float](repeating: 0.01, count: m * k)
        let b = [Float](repeating: 0.02, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        // The best of 25 products (about 0.2 s at 300 GFLOP/s): on a shared host the rate moves
        // with the neighbours' load, and 5 were seen to miss its peak by a third.
        func rate(_ product: () -> Void) -> Double {
            var best = 0.0
            for _ in 0..<25 {
                let start = DispatchTime.now().uptimeNanoseconds
                product()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                best = max(best, 2 * Double(m * n * k) / seconds)
            }
            return best
        }
        let blas = rate {
            linearForwardBLAS(
                out: &c, input: a, weight: b, bias: nil, rows: m, inFeatures: k, outFeatures: n,
                runtime: runtime)
        }
        let sluice = rate {
            linearForward(
                out: &c, input: a, weight: b, bias: nil, rows: m, inFeatures: k, outFeatures: n,
                runtime: runtime)
        }
        return (max(blas, sluice), blas, sluice)
    }
}
