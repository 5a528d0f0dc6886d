import SluiceScheduler
import Testing

@Suite("Batching", .timeLimit(.minutes(1)))
struct BatchingTests {
    @Test("an idle server does not wait")
    func idleServerDoesNotWait() async {
        let harness = Harness()
        harness.scheduler.start()

        let job = harness.submit(7)

        #expect(await job.outcome == .output(70))
        #expect(harness.clock.now == .zero)
        #expect(harness.model.batches == [[7]])
        await harness.scheduler.shutdown()
    }

    @Test("the window is not restarted by new arrivals")
    func windowIsNotRestartedByNewArrivals() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 8, maxBatchWait: .milliseconds(10)))
        harness.scheduler.start()

        let first = harness.submit(1)
        // The window opens at the first job's arrival (t = 0) and closes at t = 10 ms.
        #expect(await eventually { harness.clock.pendingDeadlines.contains(.milliseconds(10)) })
        harness.clock.advance(by: .milliseconds(6))
        let second = harness.submit(2)
        #expect(await eventually { harness.scheduler.queueDepth == 2 })
        harness.clock.advance(by: .milliseconds(3))
        #expect(harness.model.batches.isEmpty)

        // Had the second arrival restarted the window, it would close at 16 ms, not now.
        harness.clock.advance(by: .milliseconds(1))

        #expect(await first.outcome == .output(10))
        #expect(await second.outcome == .output(20))
        #expect(harness.model.batches == [[1, 2]])
        await harness.scheduler.shutdown()
    }

    @Test("a full batch does not wait for the window")
    func fullBatchDoesNotWait() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 2, maxBatchWait: .seconds(1)))
        _ = await harness.enqueue(1)
        _ = await harness.enqueue(2)
        let third = await harness.enqueue(3)

        harness.scheduler.start()

        #expect(await eventually { harness.model.batches == [[1, 2]] })
        // The third job alone is not a full batch: it waits for its window, and only that long.
        #expect(harness.scheduler.queueDepth == 1)
        harness.clock.advance(by: .seconds(1))
        #expect(await third.outcome == .output(30))
        #expect(harness.model.batches == [[1, 2], [3]])
        await harness.scheduler.shutdown()
    }

    @Test("batches are cut by batch size in FIFO order")
    func batchesAreCutByBatchSize() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 2))
        var jobs: [Submission] = []
        for input in 1...5 {
            jobs.append(await harness.enqueue(input))
        }

        harness.scheduler.start()

        for (input, job) in zip(1..., jobs) {
            #expect(await job.outcome == .output(input * 10))
        }
        #expect(harness.model.batches == [[1, 2], [3, 4], [5]])
        await harness.scheduler.shutdown()
    }

    @Test("batches are cut by the token budget in FIFO order")
    func batchesAreCutByTokenBudget() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 8, maxBatchTokens: 10))
        // Tokens 4 + 4 fit; the next 4 would make 12. Then 4 + 2; the next 9 would make 15. Then 9.
        // The 1-token job at the end could fit beside the 9 but never jumps the queue earlier.
        let tokens = [4, 4, 4, 2, 9, 1]
        var jobs: [Submission] = []
        for (input, count) in zip(1..., tokens) {
            jobs.append(await harness.enqueue(input, tokens: count))
        }

        harness.scheduler.start()

        for (input, job) in zip(1..., jobs) {
            #expect(await job.outcome == .output(input * 10))
        }
        #expect(harness.model.batches == [[1, 2], [3, 4], [5, 6]])
        await harness.scheduler.shutdown()
    }

    @Test("a job over the token budget runs alone")
    func jobOverTokenBudgetRunsAlone() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 8, maxBatchTokens: 100))
        let small = await harness.enqueue(1, tokens: 10)
        let large = await harness.enqueue(2, tokens: 500)
        let next = await harness.enqueue(3, tokens: 10)
        let last = await harness.enqueue(4, tokens: 10)

        harness.scheduler.start()

        #expect(await small.outcome == .output(10))
        #expect(await large.outcome == .output(20))
        #expect(await next.outcome == .output(30))
        #expect(await last.outcome == .output(40))
        #expect(harness.model.batches == [[1], [2], [3, 4]])
        await harness.scheduler.shutdown()
    }

    @Test("jobs queued during a batch form the next batch")
    func jobsQueuedDuringBatchFormNextBatch() async {
        let harness = Harness()
        harness.scheduler.start()
        let first = await harness.startHeldBatch(1)
        let queued = [await harness.enqueue(2), await harness.enqueue(3), await harness.enqueue(4)]

        harness.model.releaseAll()

        #expect(await first.outcome == .output(10))
        for (input, job) in zip(2..., queued) {
            #expect(await job.outcome == .output(input * 10))
        }
        #expect(harness.model.batches == [[1], [2, 3, 4]])
        await harness.scheduler.shutdown()
    }

    @Test("after a batch, a smaller one waits for as many jobs as the last held")
    func refillWaitsForTheLastBatchSize() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 8))
        harness.model.takeComputeTime(.milliseconds(10))
        let first = [await harness.enqueue(1), await harness.enqueue(2), await harness.enqueue(3)]
        harness.scheduler.start()
        for job in first { _ = await job.outcome }
        // The batch of three ended at 10 ms after 10 ms of compute: the refill wait ends at 15 ms.

        let fourth = harness.submit(4)
        #expect(await eventually { harness.clock.pendingDeadlines.contains(.milliseconds(15)) })
        let fifth = harness.submit(5)
        #expect(await eventually { harness.scheduler.queueDepth == 2 })
        #expect(harness.model.batches.count == 1)
        let sixth = harness.submit(6)

        #expect(await fourth.outcome == .output(40))
        #expect(await fifth.outcome == .output(50))
        #expect(await sixth.outcome == .output(60))
        #expect(harness.model.batches == [[1, 2, 3], [4, 5, 6]])
        // The third arrival filled the batch: nobody waited for the timer.
        #expect(harness.clock.now == .milliseconds(20))
        await harness.scheduler.shutdown()
    }

    @Test("the refill wait lasts at most half the last batch's compute time")
    func refillWaitIsBounded() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 8))
        harness.model.takeComputeTime(.milliseconds(10))
        let first = [await harness.enqueue(1), await harness.enqueue(2)]
        harness.scheduler.start()
        for job in first { _ = await job.outcome }

        let third = harness.submit(3)
        #expect(await eventually { harness.clock.pendingDeadlines.contains(.milliseconds(15)) })
        harness.clock.advance(by: .milliseconds(4))
        #expect(harness.model.batches.count == 1)
        harness.clock.advance(by: .milliseconds(1))

        #expect(await third.outcome == .output(30))
        #expect(harness.model.batches == [[1, 2], [3]])
        await harness.scheduler.shutdown()
    }

    @Test("the refill wait is also capped by maxRefillWait, and zero turns it off")
    func refillWaitIsCapped() async {
        for cap in [Duration.milliseconds(2), .zero] {
            let harness = Harness(SchedulerConfiguration(maxBatchSize: 8, maxRefillWait: cap))
            harness.model.takeComputeTime(.milliseconds(10))
            let first = [await harness.enqueue(1), await harness.enqueue(2)]
            harness.scheduler.start()
            for job in first { _ = await job.outcome }

            let third = harness.submit(3)
            if cap > .zero {
                #expect(await eventually { harness.clock.pendingDeadlines.contains(.milliseconds(10) + cap) })
                #expect(harness.model.batches.count == 1)
                harness.clock.advance(by: cap)
            }

            #expect(await third.outcome == .output(30))
            #expect(harness.model.batches == [[1, 2], [3]])
            await harness.scheduler.shutdown()
        }
    }

    @Test("a lone client never waits for a refill")
    func loneClientNeverWaits() async {
        let harness = Harness()
        harness.model.takeComputeTime(.milliseconds(10))
        harness.scheduler.start()
        for input in 1...3 {
            #expect(await harness.submit(input).outcome == .output(input * 10))
        }
        #expect(harness.model.batches == [[1], [2], [3]])
        #expect(harness.clock.now == .milliseconds(30))
        await harness.scheduler.shutdown()
    }

    @Test("an idle server does not wait for a refill after a long pause")
    func idleServerAfterPauseDoesNotWait() async {
        let harness = Harness()
        harness.model.takeComputeTime(.milliseconds(10))
        let first = [await harness.enqueue(1), await harness.enqueue(2)]
        harness.scheduler.start()
        for job in first { _ = await job.outcome }
        harness.clock.advance(by: .milliseconds(100))

        #expect(await harness.submit(3).outcome == .output(30))
        #expect(harness.model.batches == [[1, 2], [3]])
        #expect(harness.clock.now == .milliseconds(120))
        await harness.scheduler.shutdown()
    }
}
