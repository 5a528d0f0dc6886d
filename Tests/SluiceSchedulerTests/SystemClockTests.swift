import SluiceScheduler
import Testing

/// The same rules under real time: these check that `SystemClock`'s timers fire, never how fast.
@Suite("SystemClock", .timeLimit(.minutes(1)))
struct SystemClockTests {
    private func makeScheduler(
        _ configuration: SchedulerConfiguration, _ model: FakeModel
    ) -> Scheduler<Int, Int> {
        Scheduler(
            configuration: configuration, clock: SystemClock(), metricsFactory: RecordingMetricsFactory()
        ) {
            try model.forward($0)
        }
    }

    @Test("time only moves forward")
    func timeMovesForward() {
        let clock = SystemClock()
        let first = clock.now
        #expect(clock.now >= first)
        #expect(first >= .zero)
    }

    @Test("a queued job times out at its deadline while a batch computes, in real time")
    func queuedJobTimesOutInRealTime() async {
        let model = FakeModel()
        // The first job must be taken into a batch before its own deadline: one second is far
        // more than a busy machine needs for that, and the test waits it only once.
        let scheduler = makeScheduler(SchedulerConfiguration(requestTimeout: .seconds(1)), model)
        scheduler.start()
        model.holdBatches()
        let running = Submission(scheduler, 1)
        #expect(await eventually { model.heldBatches == 1 })
        let queued = Submission(scheduler, 2)

        #expect(await queued.outcome == .timedOut)
        #expect(model.heldBatches == 1)
        model.releaseAll()
        #expect(await running.outcome == .output(10))
        await scheduler.shutdown()
        #expect(model.batches == [[1]])
    }

    @Test("a lone job is computed when its window closes, in real time")
    func loneJobRunsWhenWindowCloses() async {
        let model = FakeModel()
        let scheduler = makeScheduler(
            SchedulerConfiguration(maxBatchSize: 8, maxBatchWait: .milliseconds(20)), model)
        scheduler.start()

        #expect(await Submission(scheduler, 1).outcome == .output(10))
        await scheduler.shutdown()
    }

    @Test("a cancelled timer never fires, in real time")
    func cancelledTimerNeverFires() async {
        let clock = SystemClock()
        let fired = FakeModel()
        // Cancelled on the next line, long before its deadline even on a busy machine; the
        // witness fires after that deadline, so by then the cancelled timer would have fired.
        let deadline = clock.now + .milliseconds(500)
        let timer = clock.schedule(at: deadline) { _ = try? fired.forward([1]) }
        timer.cancel()
        let witness = FakeModel()
        _ = clock.schedule(at: deadline + .milliseconds(100)) { _ = try? witness.forward([1]) }

        #expect(await eventually { witness.batches.count == 1 })
        #expect(fired.batches.isEmpty)
    }
}
