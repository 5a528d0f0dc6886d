import Dispatch
import SluiceScheduler
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A batch-forward function for tests: it multiplies each input by 10, records every batch it
/// sees and the thread that ran it, and can hold batches until the test releases them, throw,
/// or advance a manual clock to stand for compute time.
final class FakeModel: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private struct State {
        var batches: [[Int]] = []
        var threadNames: [String] = []
        var holdsBatches = false
        var heldBatches = 0
        var failure: Failure?
        var computeTime = Duration.zero
    }

    private let state = Mutex(State())
    private let gate = DispatchSemaphore(value: 0)
    private let clock: ManualClock?

    /// - Parameter clock: advanced by `computeTime` during each batch.
    init(clock: ManualClock? = nil) {
        self.clock = clock
    }

    /// Every batch `forward` was called with, in order.
    var batches: [[Int]] { state.withLock { $0.batches } }
    /// The name of the thread each batch ran on.
    var threadNames: [String] { state.withLock { $0.threadNames } }
    /// How many batches are blocked in `forward` right now.
    var heldBatches: Int { state.withLock { $0.heldBatches } }

    /// From now on, each batch blocks in `forward` until `release()` or `releaseAll()`.
    func holdBatches() {
        state.withLock { $0.holdsBatches = true }
    }

    /// Lets every blocked batch go on, and stops holding new ones.
    func releaseAll() {
        let held = state.withLock { state in
            state.holdsBatches = false
            return state.heldBatches
        }
        for _ in 0..<held {
            gate.signal()
        }
    }

    /// Lets one blocked batch go on; later batches are still held.
    func releaseOne() {
        gate.signal()
    }

    /// Makes every later batch throw `Failure(description: message)`.
    func fail(with message: String) {
        state.withLock { $0.failure = Failure(description: message) }
    }

    /// Makes every later batch advance the clock by `duration`, as if computing took that long.
    func takeComputeTime(_ duration: Duration) {
        state.withLock { $0.computeTime = duration }
    }

    func forward(_ inputs: [Int]) throws -> [Int] {
        let threadName = currentThreadName()
        let (holds, failure, computeTime) = state.withLock { state in
            state.batches.append(inputs)
            state.threadNames.append(threadName)
            if state.holdsBatches {
                state.heldBatches += 1
            }
            return (state.holdsBatches, state.failure, state.computeTime)
        }
        if holds {
            gate.wait()
            state.withLock { $0.heldBatches -= 1 }
        }
        if computeTime > .zero {
            clock?.advance(by: computeTime)
        }
        if let failure {
            throw failure
        }
        return inputs.map { $0 * 10 }
    }
}

private func currentThreadName() -> String {
    #if os(Linux)
    let descriptor = open("/proc/thread-self/comm", O_RDONLY)
    guard descriptor >= 0 else { return "" }
    defer { close(descriptor) }
    var bytes = [UInt8](repeating: 0, count: 64)
    let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    guard count > 0 else { return "" }
    return String(decoding: bytes[..<count], as: UTF8.self).trimmingSuffix("\n")
    #else
    return ""
    #endif
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
