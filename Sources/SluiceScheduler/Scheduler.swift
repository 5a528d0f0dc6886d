import Metrics

/// Runs a batch-forward function on one dedicated inference thread, with dynamic batches cut
/// from a bounded FIFO of submitted jobs (DESIGN.md, "The batching algorithm").
///
/// Request tasks `submit` an input and await its output; they never touch the queue and never
/// run `forward`. The inference thread sleeps while the queue is empty. A queued job is answered
/// with `SchedulerError.timedOut` at its deadline, even while a long batch computes, and a job
/// whose submitting task is cancelled leaves the queue at once; neither is ever computed.
///
/// Lifecycle: `start()`, then `shutdown()` (or `run()` for a service that lives as long as its
/// task, ended by `beginShutdown()` or cancellation). Shutting down refuses new jobs, finishes
/// every job already accepted, and joins the thread.
public final class Scheduler<Input: Sendable, Output: Sendable>: Sendable {
    /// The limits this scheduler enforces.
    public let configuration: SchedulerConfiguration
    let clock: any SchedulerClock
    let forward: @Sendable ([Input]) throws -> [Output]
    let threadStart: (@Sendable () -> Void)?
    let metrics: SchedulerMetrics
    let state: Monitor<SchedulerState<Input, Output>>

    /// Creates a scheduler; the inference thread starts with `start()` or `run()`.
    ///
    /// - Parameters:
    ///   - configuration: the limits; they must pass `SchedulerConfiguration.validate()`.
    ///   - clock: the time source for arrivals, deadlines and wait windows.
    ///   - metricsFactory: where metrics go; `MetricsSystem.factory` when nil.
    ///   - threadStart: runs first on the inference thread, before it takes any job (to set the
    ///     thread up: register it, start helpers from it).
    ///   - forward: computes one output per input, in order, for a whole batch. Only the
    ///     inference thread calls it, one batch at a time; an error it throws answers every job
    ///     of the batch with `SchedulerError.forwardFailed`.
    public init(
        configuration: SchedulerConfiguration = SchedulerConfiguration(),
        clock: any SchedulerClock = SystemClock(),
        metricsFactory: (any MetricsFactory)? = nil,
        threadStart: (@Sendable () -> Void)? = nil,
        forward: @escaping @Sendable ([Input]) throws -> [Output]
    ) {
        do {
            try configuration.validate()
        } catch {
            preconditionFailure("invalid scheduler configuration: \(error)")
        }
        self.configuration = configuration
        self.clock = clock
        self.forward = forward
        self.threadStart = threadStart
        self.metrics = SchedulerMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        var state = SchedulerState<Input, Output>()
        state.queue.maxBypass = configuration.maxPriorityBypass
        self.state = Monitor(state)
    }

    /// The number of jobs waiting in the queue (not counting the batch being computed).
    public var queueDepth: Int {
        state.withLock { $0.queue.count }
    }

    /// Why `count` inputs submitted now would be refused (`overloaded`, `shuttingDown`), or nil
    /// if they would be admitted at this moment. A refusal is counted in the metrics as
    /// `submit` counts it, so that a caller can answer at once and skip preparing inputs that
    /// cannot be queued; an admission here promises nothing: `submit` decides again.
    public func refusal(forInputs count: Int) -> SchedulerError? {
        state.withLock { refusal(forInputs: count, &$0) }
    }

    /// The admission rule, under the lock: `shuttingDown` while draining, `overloaded` when the
    /// queue has no room for `count` more jobs; a refusal is counted.
    private func refusal(
        forInputs count: Int, _ state: inout SchedulerState<Input, Output>
    ) -> SchedulerError? {
        if state.draining {
            metrics.rejectedShuttingDown.increment()
            return .shuttingDown
        }
        if state.queue.count + count > configuration.maxQueue {
            metrics.rejectedOverloaded.increment()
            return .overloaded(
                retryAfterSeconds: state.drainRate.retryAfterSeconds(queuedJobs: state.queue.count))
        }
        return nil
    }

    /// True while the inference thread runs and new jobs are admitted: false before `start()`,
    /// once shutdown has begun, and after.
    public var isAlive: Bool {
        state.withLock { $0.started && !$0.draining && !$0.threadExited }
    }

    /// Computes `input` in some batch and returns its output.
    ///
    /// Admission is decided at once, before the first suspension: `overloaded` when
    /// `maxQueue` jobs are already waiting, `shuttingDown` once shutdown has begun. Jobs submitted
    /// before `start()` wait in the queue (their deadlines run).
    ///
    /// - Parameters:
    ///   - input: what `forward` receives for this job.
    ///   - tokens: the job's real token count, counted against `maxBatchTokens`.
    ///   - priority: lower is more urgent (0 by default): batches take more urgent jobs first,
    ///     within `maxPriorityBypass` (see `SchedulerConfiguration`).
    /// - Throws: `SchedulerError`: `timedOut` at the deadline (`requestTimeout` after this call)
    ///   if the job is still queued then; `cancelled` as soon as the calling task is cancelled;
    ///   `forwardFailed` if its batch failed.
    public func submit(_ input: Input, tokens: Int, priority: Int = 0) async throws(SchedulerError) -> Output
    {
        precondition(tokens >= 0, "a job cannot have a negative token count (\(tokens))")
        let job = Job<Input, Output>(input: input, tokens: tokens, priority: priority)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if let refusal = admit([job], waiters: [.task(continuation)]) {
                    continuation.resume(returning: .failure(refusal))
                }
            }
        } onCancel: {
            cancel(job)
        }
        return try result.get()
    }

    /// Computes several inputs (one request's list) and returns their outputs in order.
    ///
    /// The jobs are admitted together, in one step, so they queue side by side and an idle
    /// inference thread finds them all at once rather than cutting a batch from the first few;
    /// each is still a job of its own in the batches. Admission is all or nothing: `overloaded`
    /// when the queue has no room for all of them. The first failure of any job (its deadline,
    /// its batch failing) answers the call, and its other jobs leave the queue uncomputed, as
    /// they do when the calling task is cancelled. Metrics count the list as one submission
    /// (one rejection, one cancellation, however many inputs it holds).
    ///
    /// A list longer than `maxQueue` could never be admitted: it is a programming error (the
    /// server caps `--max-inputs` at `--max-queue`).
    ///
    /// - Parameters:
    ///   - inputs: each input with its real token count, as `submit(_:tokens:priority:)` takes.
    ///   - priority: every job's priority, as `submit(_:tokens:priority:)` takes it.
    public func submit(
        _ inputs: [(input: Input, tokens: Int)], priority: Int = 0
    ) async throws(SchedulerError) -> [Output] {
        guard !inputs.isEmpty else { return [] }
        precondition(
            inputs.count <= configuration.maxQueue,
            "a list of \(inputs.count) inputs can never fit in a queue of \(configuration.maxQueue)")
        let jobs = inputs.map { item in
            precondition(item.tokens >= 0, "a job cannot have a negative token count (\(item.tokens))")
            return Job<Input, Output>(input: item.input, tokens: item.tokens, priority: priority)
        }
        let group = JobGroup<Output>(count: jobs.count)
        var admitted = false
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                group.await(continuation)
                let waiters = jobs.indices.map { Job<Input, Output>.Waiter.member(group, index: $0) }
                if let refusal = admit(jobs, waiters: waiters) {
                    group.record(.failure(refusal), at: 0)
                } else {
                    admitted = true
                }
            }
        } onCancel: {
            // Counted once for the request, below, however many of its jobs were still waiting.
            for job in jobs { cancel(job, counted: false) }
        }
        if case .failure(let error) = result {
            // Whatever of the group is still queued is not wanted any more.
            for job in jobs { cancel(job, counted: false) }
            if case .cancelled = error, admitted {
                metrics.cancelled.increment()
            }
        }
        return try result.get()
    }

    /// Starts the inference thread; does nothing if it was started already.
    public func start() {
        state.withLock { state in
            guard !state.started else { return }
            state.started = true
            // The thread's loop first takes this lock, so it cannot exit before `thread` is set.
            state.thread = InferenceThread(name: "sluice-infer") {
                self.threadStart?()
                self.runInferenceLoop()
            }
        }
    }

    /// Begins a graceful shutdown without waiting for it: new jobs are refused with
    /// `shuttingDown`, accepted ones are still computed. `shutdown()` or `run()` waits for the end.
    public func beginShutdown() {
        state.withLock { $0.draining = true }
        state.signal()
    }

    /// Shuts down gracefully: refuses new jobs, finishes every accepted job, then joins the
    /// inference thread (starting it first if it never was, so that accepted jobs are answered).
    public func shutdown() async {
        start()
        beginShutdown()
        await waitForInferenceThread()
    }

    /// Starts the inference thread if needed and returns once the scheduler has shut down and
    /// drained: after `beginShutdown()`, `shutdown()`, or the cancellation of the calling task
    /// (which begins the shutdown). This is the shape of a swift-service-lifecycle `Service`.
    public func run() async {
        start()
        await withTaskCancellationHandler {
            await waitForInferenceThread()
        } onCancel: {
            beginShutdown()
        }
    }

    private func waitForInferenceThread() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let exited = state.withLock { state in
                if !state.threadExited {
                    state.exitWaiters.append(continuation)
                }
                return state.threadExited
            }
            if exited {
                continuation.resume()
            }
        }
        // The thread has returned from its loop; joining it only waits for its last instructions.
        let thread = state.withLock { state in
            defer { state.thread = nil }
            return state.thread
        }
        thread?.join()
    }

    /// Queues `jobs` together, each answered through its waiter, or returns why none of them
    /// may be queued.
    private func admit(_ jobs: [Job<Input, Output>], waiters: [Job<Input, Output>.Waiter]) -> SchedulerError?
    {
        let refusal: SchedulerError? = state.withLock { state in
            var refusal: SchedulerError?
            if jobs.contains(where: \.cancelledBeforeAdmission) {
                metrics.cancelled.increment()
                refusal = .cancelled
            } else {
                refusal = self.refusal(forInputs: jobs.count, &state)
            }
            if let refusal {
                for job in jobs { job.phase = .finished }
                return refusal
            }
            // Read under the lock, so that queue order is arrival order and deadline order.
            let now = clock.now
            for (job, waiter) in zip(jobs, waiters) {
                job.admit(arrival: now, deadline: now + configuration.requestTimeout, waiter: waiter)
                state.queue.append(job)
            }
            armDeadlineTimer(&state)
            metrics.queueDepth.record(state.queue.count)
            return nil
        }
        if refusal == nil {
            state.signal()
        }
        return refusal
    }

    /// Takes `job` out of the queue (or out of its running batch's answers) with `cancelled`;
    /// `counted` says whether that is a cancellation for the metrics (false for the rest of a
    /// group that has already failed).
    private func cancel(_ job: Job<Input, Output>, counted: Bool = true) {
        let (leftQueue, answer) = state.withLock { state -> (Bool, Job<Input, Output>.Answer?) in
            switch job.phase {
            case .created:
                // `submit` was cancelled before admission; admission answers it.
                job.cancelledBeforeAdmission = true
                return (false, nil)
            case .queued:
                _ = state.queue.remove(job)
                let answer = job.finish(.failure(.cancelled))
                if counted { metrics.cancelled.increment() }
                metrics.queueDepth.record(state.queue.count)
                armDeadlineTimer(&state)
                return (true, answer)
            case .running:
                // Its batch is computing; answer now and let the batch drop the output.
                let answer = job.finish(.failure(.cancelled))
                if counted { metrics.cancelled.increment() }
                return (false, answer)
            case .finished:
                return (false, nil)
            }
        }
        answer?.deliver()
        if leftQueue {
            // The oldest job may have gone, and with it the current wait window.
            state.signal()
        }
    }
}
