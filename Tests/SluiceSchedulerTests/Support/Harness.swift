import SluiceScheduler
import Testing

/// A scheduler over a `FakeModel`, driven by a `ManualClock`, with its metrics recorded.
struct Harness {
    let clock = ManualClock()
    let model: FakeModel
    let metrics = RecordingMetricsFactory()
    let scheduler: Scheduler<Int, Int>

    init(_ configuration: SchedulerConfiguration = SchedulerConfiguration()) {
        let model = FakeModel(clock: clock)
        self.model = model
        scheduler = Scheduler(configuration: configuration, clock: clock, metricsFactory: metrics) {
            try model.forward($0)
        }
    }

    /// Submits `input` from a new task; the job may not be queued yet when this returns.
    func submit(_ input: Int, tokens: Int = 1, priority: Int = 0) -> Submission {
        Submission(scheduler, input, tokens: tokens, priority: priority)
    }

    /// Submits `input` and waits until it is queued, so that the next job queues behind it.
    /// Only while the inference thread takes nothing: before `start()`, or while a batch is held.
    func enqueue(
        _ input: Int, tokens: Int = 1, priority: Int = 0, sourceLocation: SourceLocation = #_sourceLocation
    ) async
        -> Submission
    {
        let depth = scheduler.queueDepth
        let submission = submit(input, tokens: tokens, priority: priority)
        let queued = await eventually { scheduler.queueDepth == depth + 1 }
        #expect(queued, "job \(input) was not queued", sourceLocation: sourceLocation)
        return submission
    }

    /// Holds every batch from now on, submits `input`, and waits until its batch is computing.
    /// Requires a started scheduler with an empty queue and a batch that needs no wait.
    func startHeldBatch(_ input: Int, sourceLocation: SourceLocation = #_sourceLocation) async -> Submission {
        model.holdBatches()
        let submission = submit(input)
        let held = await eventually { model.heldBatches == 1 }
        #expect(held, "the batch of job \(input) did not start", sourceLocation: sourceLocation)
        return submission
    }
}
