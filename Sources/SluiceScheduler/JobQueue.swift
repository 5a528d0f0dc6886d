import DequeModule

/// The bounded queue of waiting jobs, in arrival order, and the rule that cuts a batch from it.
///
/// Every job's deadline is its arrival plus the same timeout and arrivals are read under one
/// lock, so the queue is in deadline order too: the front job is always the next to expire.
///
/// Batches take jobs in order of `priority` (lower first), then of arrival; while every job has
/// the same priority that is the front of the queue (FIFO). A running batch is never
/// preempted. Starvation is bounded: once `maxBypass` batches in a row have passed over the
/// oldest job, the next batch is cut in arrival order.
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
        /// The positions in the queue (arrival order) of the jobs taken, in batch order; nil
        /// when they are the first `count`.
        var positions: [Int]? = nil
    }

    private var jobs = Deque<Job<Input, Output>>()
    /// How many waiting jobs have a priority other than 0 (none: the FIFO path).
    private var prioritized = 0
    /// Batches cut in a row without the oldest job.
    private var bypassed = 0
    /// The most batches in a row that may pass over the oldest job.
    var maxBypass = 4

    var count: Int { jobs.count }
    var isEmpty: Bool { jobs.isEmpty }
    var first: Job<Input, Output>? { jobs.first }

    mutating func append(_ job: Job<Input, Output>) {
        jobs.append(job)
        if job.priority != 0 { prioritized += 1 }
    }

    /// Takes jobs in batch order (see the type) while the batch holds fewer than
    /// `maxBatchSize` jobs and its tokens stay within `maxBatchTokens`; the first job is always
    /// taken, so a single job over the budget runs alone. Never skips a job that does not fit to
    /// take a later one.
    func plan(maxBatchSize: Int, maxBatchTokens: Int) -> BatchPlan? {
        guard !jobs.isEmpty else { return nil }
        guard prioritized > 0, bypassed < maxBypass else {
            return plan(order: jobs.indices, maxBatchSize: maxBatchSize, maxBatchTokens: maxBatchTokens)
        }
        // A stable sort: equal priorities keep their arrival order.
        let order = jobs.indices.sorted { (jobs[$0].priority, $0) < (jobs[$1].priority, $1) }
        guard var plan = plan(order: order, maxBatchSize: maxBatchSize, maxBatchTokens: maxBatchTokens) else {
            return nil
        }
        let taken = Array(order.prefix(plan.count))
        if taken != Array(0..<plan.count) { plan.positions = taken }
        return plan
    }

    private func plan(order: some Collection<Int>, maxBatchSize: Int, maxBatchTokens: Int) -> BatchPlan? {
        guard let first = order.first else { return nil }
        var plan = BatchPlan(count: 1, tokens: jobs[first].tokens, isFull: false)
        for position in order.dropFirst() {
            let job = jobs[position]
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

    /// Removes and returns the jobs `plan` takes, in batch order.
    mutating func remove(_ plan: BatchPlan) -> [Job<Input, Output>] {
        guard let positions = plan.positions else {
            let batch = Array(jobs.prefix(plan.count))
            jobs.removeFirst(plan.count)
            bypassed = 0
            prioritized -= batch.count { $0.priority != 0 }
            return batch
        }
        let batch = positions.map { jobs[$0] }
        for position in positions.sorted(by: >) { jobs.remove(at: position) }
        bypassed = positions.contains(0) ? 0 : bypassed + 1
        prioritized -= batch.count { $0.priority != 0 }
        return batch
    }

    /// Removes and returns the jobs whose deadline is at or before `now`.
    mutating func removeExpired(now: Duration) -> [Job<Input, Output>] {
        var expired: [Job<Input, Output>] = []
        while let job = jobs.first, job.deadline <= now {
            expired.append(jobs.removeFirst())
            if job.priority != 0 { prioritized -= 1 }
            bypassed = 0
        }
        return expired
    }

    /// Removes `job` wherever it waits; false if it is not in the queue.
    mutating func remove(_ job: Job<Input, Output>) -> Bool {
        guard let index = jobs.firstIndex(where: { $0 === job }) else { return false }
        jobs.remove(at: index)
        if job.priority != 0 { prioritized -= 1 }
        if index == 0 { bypassed = 0 }
        return true
    }
}
