/// Why a submitted job produced no output. Each case maps to one HTTP answer in DESIGN.md.
public enum SchedulerError: Error {
    /// The queue already held `maxQueue` jobs (503); retry after about this many seconds (≥ 1).
    case overloaded(retryAfterSeconds: Int)
    /// The job's deadline passed before its result was ready (504).
    case timedOut
    /// The scheduler is draining or stopped and admits no new job (503).
    case shuttingDown
    /// The submitting task was cancelled (the client went away); nothing is left to answer.
    case cancelled
    /// The forward function threw, or broke its contract, for the batch that held this job (500).
    case forwardFailed(any Error)
}

/// The forward function returned a different number of outputs than it was given inputs.
public struct ForwardOutputCountMismatch: Error, Equatable, CustomStringConvertible {
    /// How many inputs the batch held.
    public var inputs: Int
    /// How many outputs the forward function returned.
    public var outputs: Int

    /// Creates the error for one batch.
    public init(inputs: Int, outputs: Int) {
        self.inputs = inputs
        self.outputs = outputs
    }

    /// A sentence for the operator's log.
    public var description: String {
        "the forward function returned \(outputs) outputs for a batch of \(inputs) inputs"
    }
}
