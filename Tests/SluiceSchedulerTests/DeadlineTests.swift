import SluiceScheduler
import Testing

@Suite("Deadlines and cancellation", .timeLimit(.minutes(1)))
struct DeadlineTests {
    @Test("an expired job is never computed")
    func expiredJobIsNeverComputed() async {
        let harness = Harness(SchedulerConfiguration(requestTimeout: .seconds(1)))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let expiring = await harness.enqueue(2)
        harness.clock.advance(by: .milliseconds(500))
        let surviving = await harness.enqueue(3)

        harness.clock.advance(by: .milliseconds(500))
        harness.model.releaseAll()

        #expect(await expiring.outcome == .timedOut)
        #expect(await running.outcome == .output(10))
        #expect(await surviving.outcome == .output(30))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches == [[1], [3]])
        #expect(harness.metrics.total("sluice_timeouts_total") == 1)
    }

    @Test("an expired job is never computed, even before the thread starts")
    func expiredJobIsNeverComputedBeforeStart() async {
        let harness = Harness(SchedulerConfiguration(requestTimeout: .seconds(1)))
        let job = await harness.enqueue(1)

        harness.clock.advance(by: .seconds(1))

        #expect(await job.outcome == .timedOut)
        #expect(harness.scheduler.queueDepth == 0)
        await harness.scheduler.shutdown()
        #expect(harness.model.batches.isEmpty)
    }

    @Test("a queued job times out at its deadline while a long batch computes")
    func queuedJobTimesOutWhileLongBatchComputes() async {
        let harness = Harness(SchedulerConfiguration(requestTimeout: .seconds(1)))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let queued = await harness.enqueue(2)

        harness.clock.advance(by: .milliseconds(999))
        #expect(!queued.isFinished)
        harness.clock.advance(by: .milliseconds(1))

        // Answered at its deadline: the batch is still computing.
        #expect(await queued.outcome == .timedOut)
        #expect(harness.model.heldBatches == 1)
        harness.model.releaseAll()
        await harness.scheduler.shutdown()
        #expect(await running.outcome == .output(10))
        #expect(harness.model.batches == [[1]])
    }

    @Test("a job handed to a running batch is finished by that batch")
    func runningJobIsFinishedByItsBatch() async {
        let harness = Harness(SchedulerConfiguration(requestTimeout: .seconds(1)))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)

        harness.clock.advance(by: .seconds(5))
        #expect(!running.isFinished)
        harness.model.releaseAll()

        #expect(await running.outcome == .output(10))
        await harness.scheduler.shutdown()
    }

    @Test("a cancelled job is never computed")
    func cancelledJobIsNeverComputed() async {
        let harness = Harness()
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let cancelled = await harness.enqueue(2)
        let kept = await harness.enqueue(3)

        cancelled.cancel()

        #expect(await cancelled.outcome == .cancelled)
        #expect(harness.scheduler.queueDepth == 1)
        harness.model.releaseAll()
        #expect(await running.outcome == .output(10))
        #expect(await kept.outcome == .output(30))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches == [[1], [3]])
        #expect(harness.metrics.total("sluice_cancelled_total") == 1)
    }

    @Test("a cancelled oldest job takes its wait window with it")
    func cancelledOldestJobTakesItsWindow() async {
        let harness = Harness(SchedulerConfiguration(maxBatchWait: .milliseconds(10)))
        harness.scheduler.start()
        let cancelled = harness.submit(1)
        #expect(await eventually { harness.clock.pendingDeadlines.contains(.milliseconds(10)) })
        harness.clock.advance(by: .milliseconds(4))
        let kept = await harness.enqueue(2)

        cancelled.cancel()
        #expect(await cancelled.outcome == .cancelled)
        // The window now runs from the remaining job's arrival: 4 ms + 10 ms.
        #expect(await eventually { harness.clock.pendingDeadlines.contains(.milliseconds(14)) })
        harness.clock.advance(to: .milliseconds(14))

        #expect(await kept.outcome == .output(20))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches == [[2]])
    }

    @Test("a job cancelled while its batch computes is answered at once")
    func jobCancelledWhileComputingIsAnsweredAtOnce() async {
        let harness = Harness()
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)

        running.cancel()

        #expect(await running.outcome == .cancelled)
        #expect(harness.model.heldBatches == 1)
        harness.model.releaseAll()
        await harness.scheduler.shutdown()
        #expect(harness.model.batches == [[1]])
    }

    @Test("a task cancelled before it submits is not admitted")
    func taskCancelledBeforeSubmitIsNotAdmitted() async {
        let harness = Harness()
        let scheduler = harness.scheduler
        let task = Task { () -> Outcome in
            withUnsafeCurrentTask { $0?.cancel() }
            do throws(SchedulerError) {
                return .output(try await scheduler.submit(1, tokens: 1))
            } catch {
                return Outcome(error)
            }
        }

        #expect(await task.value == .cancelled)
        #expect(scheduler.queueDepth == 0)
        await scheduler.shutdown()
        #expect(harness.model.batches.isEmpty)
    }
}
