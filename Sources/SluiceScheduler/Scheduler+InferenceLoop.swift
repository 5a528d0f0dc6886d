// The inference thread's loop: sleep until a job is queued, cut a batch (waiting for the one
// window when it is not full), compute it without holding the lock, hand out the outputs.

extension Scheduler {
    enum InferenceStep {
        case compute([Job<Input, Output>])
        /// Jobs timed out while the thread looked: answer them, then look again.
        case deliver([Job<Input, Output>.Answer])
        case exit
    }

    /// The body of the inference thread; returns once shutdown has begun and the queue is empty.
    func runInferenceLoop() {
        loop: while true {
            switch nextStep() {
            case .compute(let batch): compute(batch)
            case .deliver(let answers): for answer in answers { answer.deliver() }
            case .exit: break loop
            }
        }
        let waiters = state.withLock { state in
            state.threadExited = true
            defer { state.exitWaiters = [] }
            return state.exitWaiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }

    /// Sleeps until there is a batch to compute, or nothing left to do after a shutdown request.
    private func nextStep() -> InferenceStep {
        state.wait { state in
            let now = clock.now
            expireJobs(&state, now: now)
            if !state.undelivered.isEmpty {
                defer { state.undelivered = [] }
                return .deliver(state.undelivered)
            }
            guard
                let plan = state.queue.plan(
                    maxBatchSize: configuration.maxBatchSize, maxBatchTokens: configuration.maxBatchTokens)
            else {
                closeWindow(&state)
                return state.draining ? .exit : nil
            }
            if mustWaitForMoreJobs(plan, now: now, &state) {
                return nil
            }
            closeWindow(&state)
            let batch = state.queue.remove(plan)
            for job in batch {
                job.phase = .running
                metrics.queueWait.recordNanoseconds((now - job.arrival).nanoseconds)
            }
            armDeadlineTimer(&state)
            metrics.queueDepth.record(state.queue.count)
            metrics.batchSize.record(plan.count)
            metrics.batchTokens.record(plan.tokens)
            return .compute(batch)
        }
    }

    /// Whether a batch that is not full should wait for more jobs: within the one window that
    /// opened at the oldest job's arrival (`maxBatchWait`), or, while it holds fewer jobs than
    /// the previous batch did, within the refill wait after that batch ended (`maxRefillWait`,
    /// at most half its compute time); never while draining.
    private func mustWaitForMoreJobs(
        _ plan: JobQueue<Input, Output>.BatchPlan, now: Duration, _ state: inout SchedulerState<Input, Output>
    ) -> Bool {
        guard !plan.isFull, !state.draining, let oldest = state.queue.first else { return false }
        var end: Duration?
        if configuration.maxBatchWait > .zero {
            end = oldest.arrival + configuration.maxBatchWait
        }
        if let last = state.lastBatch, plan.count < min(last.jobs, configuration.maxBatchSize) {
            let refillEnd = last.end + min(configuration.maxRefillWait, last.duration / 2)
            end = max(end ?? refillEnd, refillEnd)
        }
        guard let end, now < end else { return false }
        if state.window?.end != end {
            openWindow(until: end, &state)
        }
        return state.window?.elapsed != true
    }

    private func openWindow(until end: Duration, _ state: inout SchedulerState<Input, Output>) {
        state.window?.timer.cancel()
        let timer = clock.schedule(at: end) { [weak self] in
            self?.windowElapsed(end)
        }
        state.window = SchedulerState.BatchWindow(end: end, timer: timer)
    }

    private func closeWindow(_ state: inout SchedulerState<Input, Output>) {
        state.window?.timer.cancel()
        state.window = nil
    }

    private func windowElapsed(_ end: Duration) {
        state.withLock { state in
            if state.window?.end == end {
                state.window?.elapsed = true
            }
        }
        state.signal()
    }

    /// Runs `forward` on the batch, outside the lock, and answers every job still waiting for it.
    private func compute(_ batch: [Job<Input, Output>]) {
        let inputs = batch.map(\.input)
        let start = clock.now
        let outcome = Result { try forward(inputs) }
        let end = clock.now
        let duration = end - start
        metrics.compute.recordNanoseconds(duration.nanoseconds)
        let answers = state.withLock { state -> [Job<Input, Output>.Answer] in
            state.drainRate.record(jobs: batch.count, duration: duration)
            state.lastBatch = SchedulerState.FinishedBatch(end: end, jobs: batch.count, duration: duration)
            switch outcome {
            case .success(let outputs) where outputs.count == batch.count:
                return zip(batch, outputs).compactMap { job, output in job.finish(.success(output)) }
            case .success(let outputs):
                metrics.forwardErrors.increment()
                let error = ForwardOutputCountMismatch(inputs: batch.count, outputs: outputs.count)
                return batch.compactMap { $0.finish(.failure(.forwardFailed(error))) }
            case .failure(let error):
                metrics.forwardErrors.increment()
                return batch.compactMap { $0.finish(.failure(.forwardFailed(error))) }
            }
        }
        // Outside the lock: see `Job.Answer`.
        for answer in answers { answer.deliver() }
    }
}
