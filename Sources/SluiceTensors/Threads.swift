import CBLAS
import CSluiceKernels
import Foundation
import Synchronization

/// How many threads the engine computes on. OpenBLAS is kept single-threaded and every
/// kernel, matrix products included, splits its own work across this many threads, so BLAS's
/// spinning worker pool and Sluice's threads never compete for the same cores.
public enum ComputeThreads {
    private static let configured = Atomic<Int>(0)

    /// The thread count: what `configure` set, or every core.
    public static var count: Int {
        let value = configured.load(ordering: .relaxed)
        if value > 0 { return value }
        configure(ProcessInfo.processInfo.activeProcessorCount)
        return configured.load(ordering: .relaxed)
    }

    /// Sets the thread count (at least 1) and makes OpenBLAS single-threaded.
    public static func configure(_ threads: Int) {
        openblas_set_num_threads(1)
        configured.store(max(1, threads), ordering: .relaxed)
    }

    /// Records the calling thread as one that computes (the pool's own threads are), and starts
    /// the pool's threads from it if they are not running yet, so that they share its priority.
    public static func registerComputeThread() {
        sluice_register_compute_thread()
        parallelFor(count) { _ in }
    }

    /// Lowers every other thread of the process (request handling, timers) `offset` nice levels
    /// below the compute threads, so that under overload the model keeps the cores while
    /// requests are parsed and refused with what is left. Returns how many threads it lowered;
    /// nil where it cannot (no compute thread registered yet, not Linux). Threads created later
    /// by a lowered thread start lowered; others are caught by the next call.
    public static func lowerOtherThreads(by offset: Int) -> Int? {
        let lowered = sluice_lower_other_threads(Int32(clamping: offset))
        return lowered < 0 ? nil : Int(lowered)
    }

    /// Runs `body(i)` for `i` in `0..<iterations`, each on its own thread of the engine's
    /// pool (index 0 on the calling thread), and returns when all are done. The kernels pass
    /// plain buffers whose disjoint parts each iteration writes.
    public static func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
        if iterations <= 1 {
            if iterations == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var task = body
            withUnsafeMutablePointer(to: &task) { context in
                sluice_parallel_for(
                    iterations,
                    { context, index in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                    }, context)
            }
        }
    }

    /// Splits `0..<total` into at most `count` contiguous ranges, each a multiple of
    /// `granularity` long (but the last), and runs `body` on each in parallel. Work below
    /// `minimumPerThread` elements per thread runs on the calling thread alone.
    public static func parallelRanges(
        _ total: Int, granularity: Int = 1, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        let threads = min(count, max(1, total / max(minimumPerThread, 1)))
        guard threads > 1 else {
            if total > 0 { body(0..<total) }
            return
        }
        let perThread = ((total + threads - 1) / threads + granularity - 1) / granularity * granularity
        parallelFor(threads) { t in
            let begin = t * perThread
            let end = min(total, begin + perThread)
            if begin < end { body(begin..<end) }
        }
    }
}
