import CBLAS
import CSluiceKernels
import Foundation

/// What the engine computes on: how many threads every kernel splits its work across, the
/// priority of those threads against the rest of the process, and the allocator's policy. The
/// executable builds one from its command line and passes it down; a model holds the runtime it
/// was loaded with and hands it to every kernel it calls.
///
/// The thread pool and the registry of compute threads behind it are process-wide in C
/// (`threadpool.c`, `priorities.c`): threads are a resource of the process, and two runtimes
/// share one pool, their parallel calls taking turns. This type is the only way to them from
/// Swift.
public final class ComputeRuntime: Sendable {
    /// The threads a kernel splits its work across (at least 1).
    public let threads: Int

    /// A runtime of `threads` compute threads (at least 1; the default is every core).
    ///
    /// OpenBLAS is made single-threaded: every kernel, matrix products included, splits its
    /// own work across these threads, so BLAS's spinning worker pool and Sluice's threads never
    /// compete for the same cores.
    ///
    /// Freed activation buffers are kept in the process for the next batch. By default glibc
    /// serves a block of over 128 KiB (more once it has adapted) by `mmap` and hands it back to
    /// the system when freed; every forward pass then takes a page fault for each 4 KiB of its
    /// fresh buffers (the vocabulary logits of 32 masked rows alone are 3.9 MB): 195,000 faults
    /// in 100 passes of 32 `test [MASK]`, against 13,000 with this set, and 6 % less CPU time.
    /// Blocks up to 32 MiB come from the heap instead, and a heap's free top is given back only
    /// beyond 1 GiB, so the process keeps the high-water mark of its activations (bounded by
    /// `--max-batch-tokens`) rather than mapping it again for every batch. A no-op
    /// without glibc.
    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        openblas_set_num_threads(1)
        sluice_keep_freed_blocks()
        self.threads = max(1, threads)
    }

    /// Records the calling thread as one that computes (the pool's threads are), and starts
    /// the pool's threads from it if they are not running yet, so that they share its priority.
    public func registerComputeThread() {
        sluice_register_compute_thread()
        parallelFor(threads) { _ in }
    }

    /// Lowers every other thread of the process (request handling, timers) `offset` nice levels
    /// below the compute threads, so that under overload the model keeps the cores while
    /// requests are parsed and refused with what is left. Returns how many threads it lowered;
    /// nil where it cannot (no compute thread registered yet, not Linux). Threads created later
    /// by a lowered thread start lowered; others are caught by the next call.
    public func lowerOtherThreads(by offset: Int) -> Int? {
        let lowered = sluice_lower_other_threads(Int32(clamping: offset))
        return lowered < 0 ? nil : Int(lowered)
    }

    /// How many times the pool's threads have slept between two parallel calls and been woken
    /// by the second (since the process started): each such call waits for a wake-up.
    public var parks: Int { Int(sluice_threadpool_parks()) }

    /// Runs `body(i)` for `i` in `0..<iterations`, each on its own thread of the engine's
    /// pool (index 0 on the calling thread), and returns when all are done. The kernels pass
    /// plain buffers whose disjoint parts each iteration writes.
    public func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
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

    /// Splits `0..<total` into at most `threads` contiguous ranges, each a multiple of
    /// `granularity` long (but the last), and runs `body` on each in parallel. Work below
    /// `minimumPerThread` elements per thread runs on the calling thread alone.
    public func parallelRanges(
        _ total: Int, granularity: Int = 1, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        let threads = min(self.threads, max(1, total / max(minimumPerThread, 1)))
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
