import CBLAS
import CSluiceKernels
import Foundation

/// Which path each kernel family runs, AVX-512 or AVX2, chosen by what runs faster on this
/// processor rather than by the instruction set alone: AVX-512 on 256-bit units (Zen 4) runs each
/// instruction in two halves, and a family's AVX-512 path need not win there. The choice is
/// process-wide (the kernels are C functions); the executable makes it once, before it loads a
/// model.
public enum KernelMode: String, CaseIterable, Sendable {
    /// Time both paths of each family on this processor and keep the faster (`KernelChoice`).
    case auto
    /// Every family on its AVX2 path (also on a processor with AVX-512).
    case avx2
    /// Every family on its AVX-512 path; an error where the processor has none.
    case avx512
}

/// The paths chosen, and what each family measured when they were timed.
public struct KernelChoice: Sendable, CustomStringConvertible {
    /// One kernel family.
    public struct Family: Sendable {
        /// Its name in logs: stream, wide, attention, elementwise, lowp.
        public var name: String
        /// Whether it runs its AVX-512 path.
        public var usesAVX512: Bool
        /// The best time of its test work on each path, in seconds, when measured.
        public var avx512Seconds: Double?
        public var avx2Seconds: Double?
    }

    /// The mode asked for.
    public var mode: KernelMode
    /// Every family, in `sluice_cpu.h`'s order.
    public var families: [Family]
    /// How long choosing took (the timings, for `auto`).
    public var seconds: Double = 0

    /// A failure to apply a mode.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether this processor (and the OS) runs the AVX-512 paths at all.
    public static var processorHasAVX512: Bool { sluice_cpu_has_avx512() != 0 }

    static let names = ["stream", "wide", "attention", "elementwise", "lowp"]

    /// Applies `mode` to the whole process and returns what it chose. `auto` times both paths
    /// of every family on one thread (about 0.02 s) and keeps the faster; on a processor without
    /// AVX-512 every family runs AVX2 (or the portable code) and nothing is timed.
    public static func apply(_ mode: KernelMode) throws(Unavailable) -> KernelChoice {
        let start = ContinuousClock.now
        let count = SLUICE_KERNEL_FAMILIES
        precondition(names.count == count, "a kernel family without a name")
        var families = names.map { Family(name: $0, usesAVX512: false) }
        switch mode {
        case .avx512:
            guard processorHasAVX512 else {
                throw Unavailable(description: "this processor does not run AVX-512 (F, BW, VL and DQ)")
            }
            for index in 0..<count {
                sluice_kernels_set_avx512(Int32(index), 1)
                families[index].usesAVX512 = true
            }
        case .avx2:
            for index in 0..<count { sluice_kernels_set_avx512(Int32(index), 0) }
        case .auto:
            guard processorHasAVX512 else {
                for index in 0..<count { sluice_kernels_set_avx512(Int32(index), 0) }
                break
            }
            let work = TestWork()
            defer { work.deallocate() }
            for index in 0..<count {
                let (avx512, avx2) = work.time(family: index)
                families[index].avx512Seconds = avx512
                families[index].avx2Seconds = avx2
                families[index].usesAVX512 = avx512 <= avx2
                sluice_kernels_set_avx512(Int32(index), families[index].usesAVX512 ? 1 : 0)
            }
        }
        let elapsed = ContinuousClock.now - start
        return KernelChoice(
            mode: mode, families: families,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// `stream avx512 (avx512 0.031 ms, avx2 0.035 ms), wide avx2 (…), chosen in 21 ms`, or
    /// the paths alone.
    public var description: String {
        let paths = families.map { family in
            var text = "\(family.name) \(family.usesAVX512 ? "avx512" : "avx2")"
            if let avx512 = family.avx512Seconds, let avx2 = family.avx2Seconds {
                text += String(format: " (avx512 %.3f ms, avx2 %.3f ms)", avx512 * 1e3, avx2 * 1e3)
            }
            return text
        }.joined(separator: ", ")
        guard families.contains(where: { $0.avx512Seconds != nil }) else { return paths }
        return paths + String(format: ", chosen in %.0f ms", seconds * 1e3)
    }
}

/// Each family's test work, the shapes of a bert-base layer: what it times is one thread's
/// share of a forward pass's call (the weights of the memory-bound families are in cache, so
/// the time is each path's instructions, not the memory's speed, which both paths share).
private final class TestWork {
    let hidden = 768
    let heads = 12
    let headDim = 64
    let rows = 32
    let runtime = ComputeRuntime(threads: 1)
    let x: UnsafeMutablePointer<Float>
    let w: UnsafeMutablePointer<Float>
    let wBF16: UnsafeMutablePointer<UInt16>
    let out: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>

    init() {
        let longRow = 2_048  // linear_stream.c's LONG_ROW: the rows its AVX-512 kernels take
        x = .allocate(capacity: rows * longRow)
        w = .allocate(capacity: hidden * longRow)
        wBF16 = .allocate(capacity: hidden * hidden)
        out = .allocate(capacity: rows * 4 * hidden)
        bias = .allocate(capacity: hidden)
        scratch = .allocate(capacity: 128 * 128)
        var state: UInt32 = 12_345
        func next() -> Float {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int32(bitPattern: state >> 8) - (1 << 23)) / Float(1 << 25)
        }
        for i in 0..<(rows * longRow) { x[i] = next() }
        for i in 0..<(hidden * longRow) { w[i] = next() }
        for i in 0..<hidden { bias[i] = next() }
        sluice_f32_to_bf16(wBF16, w, hidden * hidden)
    }

    func deallocate() {
        for pointer in [x, w, out, bias, scratch] { pointer.deallocate() }
        wBF16.deallocate()
    }

    /// The family's test work once.
    func run(family: Int) {
        switch family {
        case SLUICE_KERNELS_STREAM:
            sluice_linear_small_m(out, x, w, bias, 4, 2_048, 256, 0, 256)
        case SLUICE_KERNELS_WIDE:
            linearForward(
                out: out, input: x, weight: w, bias: bias, rows: rows, inFeatures: hidden, outFeatures: 256,
                runtime: runtime)
        case SLUICE_KERNELS_ATTENTION:
            // Two short sequences (the direct heads) and one of 64 tokens (the blocked kernel,
            // or matrix products), q, k and v rows of one [tokens, 3 · hidden] buffer.
            attentionForward(
                out: out, q: w, k: w + hidden, v: w + 2 * hidden, ldQKV: 3 * hidden,
                sequences: [0..<6, 6..<14, 14..<78], heads: heads, headDim: headDim, scratch: scratch,
                runtime: runtime)
        case SLUICE_KERNELS_ELEMENTWISE:
            // GELU of values that stay in range: the same input every time.
            (out).update(from: x, count: rows * hidden)
            sluice_gelu_erf(out, rows * hidden)
        case SLUICE_KERNELS_LOWP:
            sluice_linear_bf16_small_m(out, x, wBF16, bias, 4, hidden, hidden, 0, hidden)
        default:
            break
        }
    }

    /// The best of several alternating timings of each path: (AVX-512, AVX2) seconds.
    func time(family: Int) -> (Double, Double) {
        var best = [Double.infinity, Double.infinity]
        // Calibrate: repeat the work so that one timing lasts about 0.2 ms.
        sluice_kernels_set_avx512(Int32(family), 1)
        run(family: family)
        var repeats = 1
        while repeats < 4_096, seconds(family: family, repeats: repeats) < 0.000_2 { repeats *= 2 }
        for round in 0..<4 {
            for path in [round % 2, 1 - round % 2] {
                sluice_kernels_set_avx512(Int32(family), path == 0 ? 1 : 0)
                best[path] = min(best[path], seconds(family: family, repeats: repeats) / Double(repeats))
            }
        }
        return (best[0], best[1])
    }

    private func seconds(family: Int, repeats: Int) -> Double {
        let start = ContinuousClock.now
        for _ in 0..<repeats { run(family: family) }
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
