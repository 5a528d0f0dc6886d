/// Everything the scheduler's lock guards: the queue, the lifecycle, and the armed timers.
struct SchedulerState<Input: Sendable, Output: Sendable> {
    /// The one wait window of the batch being formed: it ends at the oldest job's arrival plus
    /// `maxBatchWait`, or at the refill wait's end after the previous batch (whichever is later),
    /// and a new arrival never moves it.
    struct BatchWindow {
        var end: Duration
        var timer: any SchedulerTimer
        /// Set by the window's timer; the window is over even if the clock reads a hair early.
        var elapsed = false
    }

    /// The timer for the front job's deadline (the earliest of all, see `JobQueue`).
    struct DeadlineTimer {
        var deadline: Duration
        var timer: any SchedulerTimer
    }

    /// The batch computed last: when it ended, how many jobs it held, how long it took.
    struct FinishedBatch {
        var end: Duration
        var jobs: Int
        var duration: Duration
    }

    var queue = JobQueue<Input, Output>()
    /// Answers given under the lock and not yet delivered (`Job.Answer`): whoever releases the
    /// lock after adding to it delivers them.
    var undelivered: [Job<Input, Output>.Answer] = []
    var lastBatch: FinishedBatch?
    var window: BatchWindow?
    var deadlineTimer: DeadlineTimer?
    var drainRate = DrainRateEstimator()

    /// Whether `start()` (or `shutdown()`) has created the inference thread.
    var started = false
    /// The inference thread until it is joined.
    var thread: InferenceThread?
    /// Set by the first shutdown request: admission refuses, the queue drains, the thread exits.
    var draining = false
    /// Set by the inference thread as its last act.
    var threadExited = false
    /// Tasks waiting in `shutdown()` or `run()` for the thread to exit.
    var exitWaiters: [CheckedContinuation<Void, Never>] = []
}
