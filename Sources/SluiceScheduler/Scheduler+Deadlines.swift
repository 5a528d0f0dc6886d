// Deadlines are kept by one clock timer, armed for the front job's deadline (the earliest, since
// the queue is in deadline order). The timer fires on the clock's thread, not the inference
// thread, so a queued job is answered at its deadline even while a long batch computes.

extension Scheduler {
    /// Arms the deadline timer for the current front job, or disarms it when the queue is empty.
    /// Call it under the lock after every change to the front of the queue.
    func armDeadlineTimer(_ state: inout SchedulerState<Input, Output>) {
        guard let front = state.queue.first else {
            state.deadlineTimer?.timer.cancel()
            state.deadlineTimer = nil
            return
        }
        if state.deadlineTimer?.deadline == front.deadline {
            return
        }
        state.deadlineTimer?.timer.cancel()
        let deadline = front.deadline
        let timer = clock.schedule(at: deadline) { [weak self] in
            self?.deadlineTimerFired(for: deadline)
        }
        state.deadlineTimer = SchedulerState.DeadlineTimer(deadline: deadline, timer: timer)
    }

    /// Answers every queued job whose deadline has passed with `timedOut` (into
    /// `state.undelivered`), and re-arms the timer.
    func expireJobs(_ state: inout SchedulerState<Input, Output>, now: Duration) {
        let expired = state.queue.removeExpired(now: now)
        if !expired.isEmpty {
            for job in expired {
                if let answer = job.finish(.failure(.timedOut)) { state.undelivered.append(answer) }
            }
            metrics.timeouts.increment(by: expired.count)
            metrics.queueDepth.record(state.queue.count)
        }
        armDeadlineTimer(&state)
    }

    private func deadlineTimerFired(for deadline: Duration) {
        let answers = state.withLock { state in
            if state.deadlineTimer?.deadline == deadline {
                // Forget it, so that a timer that fired a hair early is armed again.
                state.deadlineTimer = nil
            }
            expireJobs(&state, now: clock.now)
            defer { state.undelivered = [] }
            return state.undelivered
        }
        for answer in answers { answer.deliver() }
        // The oldest job may have gone, and with it the current wait window.
        state.signal()
    }
}
