import DequeModule

/// The bounded FIFO of waiting jobs, and the rule that cuts a batch from its front.
///
/// Every job's deadline is its arrival plus the same timeout and arrivals are read under one
/// lock, so the queue is in deadline order too: the front job is always the next to expire.
struct JobQueue<Input: Sendable, Output: Sendable> {
    /// How the next batch would be cut from the front of the queue right now.
    struct BatchPlan: Equatable {
        /// How many jobs, from the front, the batch takes.
        var count: Int
        /// Their real tokens, added up.
        var tokens: Int
        /// True when waiting cannot make the batch larger: it holds `maxBatchSize` jobs, or the
        /// next job in line (or any job, once the budget is spent) does not fit the token budget.
        var isFull: Bool
    }

    private var jobs = Deque<Job<Input, Output>>()

    var count: Int { jobs.count }
    var isEmpty: Bool { jobs.isEmpty }
    var first: Job<Input, Output>? { jobs.first }

    mutating func append(_ job: Job<Input, Output>) {
        jobs.append(job)
    }

    /// Takes jobs in FIFO order while the batch holds fewer than `maxBatchSize` jobs and its
    /// tokens stay within `maxBatchTokens`; the first job is always taken, so a single job over
    /// the budget runs alone. Never skips a job that does not fit to take a later one.
    func plan(maxBatchSize: Int, maxBatchTokens: Int) -> BatchPlan? {
        guard let first = jobs.first else { return nil }
        var plan = BatchPlan(count: 1, tokens: first.tokens, isFull: false)
        for job in jobs.dropFirst() {
            if plan.count == maxBatchSize || plan.tokens + job.tokens > maxBatchTokens {
                plan.isFull = true
                return plan
            }
            plan.count += 1
            plan.tokens += job.tokens
        }
        plan.isFull = plan.count == maxBatchSize || plan.tokens >= maxBatchTokens
        return plan
    }

    /// Removes and returns the `count` oldest jobs.
    mutating func removeFirst(_ count: Int) -> [Job<Input, Output>] {
        let batch = Array(jobs.prefix(count))
        jobs.removeFirst(count)
        return batch
    }

    /// Removes and returns the jobs whose deadline is at or before `now`.
    mutating func removeExpired(now: Duration) -> [Job<Input, Output>] {
        var expired: [Job<Input, Output>] = []
        while let job = jobs.first, job.deadline <= now {
            expired.append(jobs.removeFirst())
        }
        return expired
    }

    /// Removes `job` wherever it waits; false if it is not in the queue.
    mutating func remove(_ job: Job<Input, Output>) -> Bool {
        guard let index = jobs.firstIndex(where: { $0 === job }) else { return false }
        jobs.remove(at: index)
        return true
    }
}
