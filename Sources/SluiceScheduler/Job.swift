import Foundation

/// One submitted input on its way through the queue, with the continuation its submitter awaits.
///
/// Every mutable property is read and written only under the scheduler's lock, and `finish`
/// takes the continuation out: whoever comes first (the inference thread, the deadline timer,
/// cancellation, admission) answers the job, exactly once. The answer is delivered after the
/// lock is released (see `Answer`).
final class Job<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    enum Phase {
        /// Created by `submit`, not yet admitted.
        case created
        /// Waiting in the queue.
        case queued
        /// Handed to a batch on the inference thread.
        case running
        /// Answered; nothing more happens to it.
        case finished
    }

    let input: Input
    /// Real tokens of this job (no padding), counted against `maxBatchTokens`.
    let tokens: Int
    /// Lower is more urgent (0 by default, as vLLM's `priority`): batches take more urgent jobs
    /// first (see `JobQueue`).
    let priority: Int
    var phase = Phase.created
    /// Set when the submitter was cancelled before admission could look at the job.
    var cancelledBeforeAdmission = false
    var arrival = Duration.zero
    var deadline = Duration.zero
    private var waiter: Waiter?

    /// Who awaits the job's answer: its own submitter, or the group it was submitted in.
    enum Waiter {
        case task(CheckedContinuation<Result<Output, SchedulerError>, Never>)
        case member(JobGroup<Output>, index: Int)
    }

    init(input: Input, tokens: Int, priority: Int = 0) {
        self.input = input
        self.tokens = tokens
        self.priority = priority
    }

    /// Puts the job in the queue's care: from now on its submitter waits for `finish`.
    func admit(arrival: Duration, deadline: Duration, waiter: Waiter) {
        self.arrival = arrival
        self.deadline = deadline
        self.waiter = waiter
        phase = .queued
    }

    /// Marks the job answered and returns the answer for its submitter (nil if it was answered
    /// already), to be delivered once the scheduler's lock is released.
    func finish(_ result: Result<Output, SchedulerError>) -> Answer? {
        phase = .finished
        defer { waiter = nil }
        return waiter.map { Answer(waiter: $0, result: result) }
    }

    /// A job's result on its way to the task that awaits it. Resuming a continuation takes the
    /// Swift runtime's lock on the waiting task, and a task being cancelled holds that lock
    /// while its cancellation handler waits for the scheduler's lock (`Scheduler.cancel`): an
    /// answer resumed under the scheduler's lock deadlocked the two (seen under load, when
    /// clients went away while their batch finished). So answers are taken under the lock and
    /// delivered after it.
    struct Answer {
        let waiter: Waiter
        let result: Result<Output, SchedulerError>

        func deliver() {
            switch waiter {
            case .task(let continuation): continuation.resume(returning: result)
            case .member(let group, let index): group.record(result, at: index)
            }
        }
    }
}

/// The jobs of one `Scheduler.submit(_:)` call, admitted together and awaited as one: the
/// submitter is resumed once, with every output in order, or with the first failure.
///
/// Its state is guarded by a pthread mutex (`NSLock`) rather than `Mutex`, whose uncontended
/// path ThreadSanitizer cannot see on Linux.
final class JobGroup<Output: Sendable>: @unchecked Sendable {
    private struct State {
        var outputs: [Output?]
        var remaining: Int
        var continuation: CheckedContinuation<Result<[Output], SchedulerError>, Never>?
    }

    private let lock = NSLock()
    private var state: State

    init(count: Int) {
        state = State(outputs: Array(repeating: nil, count: count), remaining: count)
    }

    /// Set before the group's jobs are admitted, and so before any of them is answered.
    func await(_ continuation: CheckedContinuation<Result<[Output], SchedulerError>, Never>) {
        lock.withLock { state.continuation = continuation }
    }

    /// One member's answer; the submitter is resumed at the first failure or the last output.
    /// Called outside the scheduler's lock (see `Job.Answer`); later answers are dropped.
    func record(_ result: Result<Output, SchedulerError>, at index: Int) {
        let resume = lock.withLock {
            () -> (
                CheckedContinuation<Result<[Output], SchedulerError>, Never>, Result<[Output], SchedulerError>
            )? in
            guard let continuation = state.continuation else { return nil }
            switch result {
            case .failure(let error):
                state.continuation = nil
                return (continuation, .failure(error))
            case .success(let output):
                guard state.outputs[index] == nil else { return nil }
                state.outputs[index] = output
                state.remaining -= 1
                guard state.remaining == 0 else { return nil }
                state.continuation = nil
                return (continuation, .success(state.outputs.map { $0! }))
            }
        }
        if let (continuation, result) = resume {
            continuation.resume(returning: result)
        }
    }
}
