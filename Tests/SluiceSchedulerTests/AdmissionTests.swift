import SluiceScheduler
import Testing

@Suite("Admission", .timeLimit(.minutes(1)))
struct AdmissionTests {
    @Test("admission refuses exactly at max-queue")
    func admissionRefusesExactlyAtMaxQueue() async {
        let harness = Harness(SchedulerConfiguration(maxQueue: 3))
        let admitted = [await harness.enqueue(1), await harness.enqueue(2), await harness.enqueue(3)]

        let refused = harness.submit(4)

        #expect(await refused.outcome == .overloaded(retryAfterSeconds: 1))
        #expect(harness.scheduler.queueDepth == 3)
        harness.scheduler.start()
        for (input, job) in zip(1..., admitted) {
            #expect(await job.outcome == .output(input * 10))
        }
        // Room again once the queue has drained.
        #expect(await harness.submit(5).outcome == .output(50))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches.joined().sorted() == [1, 2, 3, 5])
        #expect(harness.metrics.total("sluice_rejected_total", [("reason", "overloaded")]) == 1)
    }

    @Test("refusal(forInputs:) answers as admission would, and counts its refusals")
    func refusalForInputsAnswersAsAdmissionWould() async {
        let harness = Harness(SchedulerConfiguration(maxQueue: 3))
        let queued = await harness.enqueue(1)

        #expect(harness.scheduler.refusal(forInputs: 2) == nil)
        #expect(
            harness.scheduler.refusal(forInputs: 3).map(Outcome.init) == .overloaded(retryAfterSeconds: 1))
        #expect(harness.metrics.total("sluice_rejected_total", [("reason", "overloaded")]) == 1)
        #expect(harness.scheduler.queueDepth == 1)
        harness.scheduler.start()
        #expect(await queued.outcome == .output(10))
        harness.scheduler.beginShutdown()
        #expect(harness.scheduler.refusal(forInputs: 1).map(Outcome.init) == .shuttingDown)
        await harness.scheduler.shutdown()
    }

    @Test("jobs in the running batch do not count against max-queue")
    func runningJobsDoNotCountAgainstMaxQueue() async {
        let harness = Harness(SchedulerConfiguration(maxQueue: 1))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let queued = await harness.enqueue(2)

        #expect(await harness.submit(3).outcome == .overloaded(retryAfterSeconds: 1))
        harness.model.releaseAll()
        #expect(await running.outcome == .output(10))
        #expect(await queued.outcome == .output(20))
        await harness.scheduler.shutdown()
    }

    @Test("retry-after is at least one second")
    func retryAfterIsAtLeastOneSecond() async {
        let harness = Harness(SchedulerConfiguration(maxQueue: 2))
        harness.model.takeComputeTime(.milliseconds(1))
        harness.scheduler.start()
        // History: one job per millisecond, so two queued jobs drain in 2 ms, rounded up to 1 s.
        #expect(await harness.submit(1).outcome == .output(10))
        let running = await harness.startHeldBatch(2)
        let queued = [await harness.enqueue(3), await harness.enqueue(4)]

        #expect(await harness.submit(5).outcome == .overloaded(retryAfterSeconds: 1))
        harness.model.releaseAll()
        #expect(await running.outcome == .output(20))
        for (input, job) in zip(3..., queued) {
            #expect(await job.outcome == .output(input * 10))
        }
        await harness.scheduler.shutdown()
    }

    @Test("retry-after follows the recent drain rate")
    func retryAfterFollowsRecentDrainRate() async {
        let harness = Harness(SchedulerConfiguration(maxQueue: 3, requestTimeout: .seconds(60)))
        harness.model.takeComputeTime(.seconds(4))
        harness.scheduler.start()
        // History: one batch of one job took 4 s (of manual time).
        #expect(await harness.submit(1).outcome == .output(10))
        let running = await harness.startHeldBatch(2)
        let queued = [await harness.enqueue(3), await harness.enqueue(4), await harness.enqueue(5)]

        // Three queued jobs at 4 s per job.
        #expect(await harness.submit(6).outcome == .overloaded(retryAfterSeconds: 12))
        harness.model.releaseAll()
        #expect(await running.outcome == .output(20))
        for (input, job) in zip(3..., queued) {
            #expect(await job.outcome == .output(input * 10))
        }
        await harness.scheduler.shutdown()
    }
}
