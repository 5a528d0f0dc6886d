/// Estimates, from the last few batches, how long the queue takes to drain: the `Retry-After`
/// of an overloaded answer.
struct DrainRateEstimator {
    /// How many recent batches the estimate averages over.
    static let window = 16

    private var recent: [(jobs: Int, duration: Duration)] = []
    private var next = 0

    /// Records that a batch of `jobs` jobs took `duration` to compute.
    mutating func record(jobs: Int, duration: Duration) {
        if recent.count < Self.window {
            recent.append((jobs, duration))
        } else {
            recent[next] = (jobs, duration)
        }
        next = (next + 1) % Self.window
    }

    /// Whole seconds until `queuedJobs` jobs would have drained at the recent rate
    /// (seconds per job = compute time / jobs over the recent batches), at least 1 second; 1 while
    /// no batch has run yet.
    func retryAfterSeconds(queuedJobs: Int) -> Int {
        let jobs = recent.reduce(0) { $0 + $1.jobs }
        guard jobs > 0 else { return 1 }
        let seconds = recent.reduce(0.0) { $0 + $1.duration.seconds }
        let estimate = (Double(queuedJobs) * seconds / Double(jobs)).rounded(.up)
        // A day is far past any useful answer; the bound keeps the conversion to Int safe.
        return Int(min(max(estimate, 1), 86_400))
    }
}
