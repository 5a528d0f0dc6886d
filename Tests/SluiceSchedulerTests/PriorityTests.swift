import SluiceScheduler
import Testing

/// Per-request priority (lower is more urgent, as vLLM's `priority`), on the manual clock: the
/// order batches are cut in shows it, no test waits on time.
@Suite("Priority", .timeLimit(.minutes(1)))
struct PriorityTests {
    static let oneAtATime = SchedulerConfiguration(
        maxBatchSize: 1, maxRefillWait: .zero, maxPriorityBypass: 2)

    @Test("more urgent jobs are batched first; the running batch is not preempted")
    func urgentFirst() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 2, maxRefillWait: .zero))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let later = [await harness.enqueue(2), await harness.enqueue(3)]
        let urgent = [await harness.enqueue(4, priority: -1), await harness.enqueue(5, priority: -1)]
        harness.model.releaseAll()

        #expect(await running.outcome == .output(10))
        for (input, job) in zip([2, 3, 4, 5], later + urgent) {
            #expect(await job.outcome == .output(input * 10))
        }
        #expect(harness.model.batches == [[1], [4, 5], [2, 3]])
        await harness.scheduler.shutdown()
    }

    @Test("within a priority, arrival order; a batch fills with the next level after the first")
    func levelsThenArrival() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 3, maxRefillWait: .zero))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        var jobs: [Submission] = []
        for (input, priority) in [(2, 5), (3, 0), (4, 5), (5, 0), (6, -3)] {
            jobs.append(await harness.enqueue(input, priority: priority))
        }
        harness.model.releaseAll()

        #expect(await running.outcome == .output(10))
        for job in jobs { _ = await job.outcome }
        #expect(harness.model.batches == [[1], [6, 3, 5], [2, 4]])
        await harness.scheduler.shutdown()
    }

    @Test("the less urgent level is passed over by at most maxPriorityBypass batches in a row")
    func starvationIsBounded() async {
        let harness = Harness(Self.oneAtATime)
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let patient = await harness.enqueue(10, priority: 1)
        var urgent: [Submission] = []
        for input in 20...23 { urgent.append(await harness.enqueue(input)) }
        harness.model.releaseAll()

        #expect(await running.outcome == .output(10))
        #expect(await patient.outcome == .output(100))
        for job in urgent { _ = await job.outcome }
        // Two batches pass the patient job over; the third is cut in arrival order.
        #expect(harness.model.batches == [[1], [20], [21], [10], [22], [23]])
        await harness.scheduler.shutdown()
    }

    @Test("a deadline answers a waiting job of any priority, in arrival order")
    func deadlinesIgnorePriority() async {
        let harness = Harness(
            SchedulerConfiguration(maxBatchSize: 1, maxRefillWait: .zero, requestTimeout: .seconds(1)))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let low = await harness.enqueue(2, priority: 9)
        let high = await harness.enqueue(3, priority: -9)
        harness.clock.advance(by: .seconds(1))

        #expect(await low.outcome == .timedOut)
        #expect(await high.outcome == .timedOut)
        harness.model.releaseAll()
        #expect(await running.outcome == .output(10))
        #expect(harness.model.batches == [[1]])
        await harness.scheduler.shutdown()
    }

    @Test("maxPriorityBypass must not be negative")
    func bypassValidation() {
        #expect(
            throws: InvalidSchedulerConfiguration(
                parameter: "maxPriorityBypass", reason: "must not be negative")
        ) {
            try SchedulerConfiguration(maxPriorityBypass: -1).validate()
        }
    }
}
