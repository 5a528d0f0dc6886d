/// One submitted input on its way through the queue, with the continuation its submitter awaits.
///
/// Every mutable property is read and written only under the scheduler's lock, and `finish`
/// takes the continuation out as it resumes it: whoever comes first (the inference thread, the
/// deadline timer, cancellation, admission) answers the job, exactly once.
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

    /// Answers the submitter, unless it was answered already.
    func finish(_ result: Result<Output, SchedulerError>) {
        phase = .finished
        continuation?.resume(returning: result)
        continuation = nil
    }
}
