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
    var phase = Phase.created
    /// Set when the submitter was cancelled before admission could look at the job.
    var cancelledBeforeAdmission = false
    var arrival = Duration.zero
    var deadline = Duration.zero
    private var continuation: CheckedContinuation<Result<Output, SchedulerError>, Never>?

    init(input: Input, tokens: Int) {
        self.input = input
        self.tokens = tokens
    }

    /// Puts the job in the queue's care: from now on its submitter waits for `finish`.
    func admit(
        arrival: Duration, deadline: Duration,
        continuation: CheckedContinuation<Result<Output, SchedulerError>, Never>
    ) {
        self.arrival = arrival
        self.deadline = deadline
        self.continuation = continuation
        phase = .queued
    }

    /// Marks the job answered and returns the answer for its submitter (nil if it was answered
    /// already), to be delivered once the scheduler's lock is released.
    func finish(_ result: Result<Output, SchedulerError>) -> Answer? {
        phase = .finished
        defer { continuation = nil }
        return continuation.map { Answer(continuation: $0, result: result) }
    }

    /// A job's result on its way to the task that awaits it. Resuming a continuation takes the
    /// Swift runtime's lock on the waiting task, and a task being cancelled holds that lock
    /// while its cancellation handler waits for the scheduler's lock (`Scheduler.cancel`): an
    /// answer resumed under the scheduler's lock deadlocked the two (seen under load, when
    /// clients went away while their batch finished). So answers are taken under the lock and
    /// delivered after it.
    struct Answer {
        let continuation: CheckedContinuation<Result<Output, SchedulerError>, Never>
        let result: Result<Output, SchedulerError>

        func deliver() {
            continuation.resume(returning: result)
        }
    }
}
