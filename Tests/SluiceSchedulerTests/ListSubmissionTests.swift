import SluiceScheduler
import Testing

@Suite("Lists submitted together", .timeLimit(.minutes(1)))
struct ListSubmissionTests {
    @Test("an idle scheduler computes a list in one batch, outputs in order")
    func idleSchedulerComputesAListInOneBatch() async {
        let harness = Harness()
        harness.scheduler.start()
        for round in 0..<20 {
            let inputs = Array(round * 8..<round * 8 + 8)
            let list = ListSubmission(harness.scheduler, inputs)
            #expect(await list.outcome == .outputs(inputs.map { $0 * 10 }))
        }
        await harness.scheduler.shutdown()
        // Admitted in one step, the inputs are all queued when the thread wakes: never a
        // fragment of the list first and the rest after.
        #expect(harness.model.batches == (0..<20).map { Array($0 * 8..<$0 * 8 + 8) })
    }

    @Test("a list longer than max-batch-size spans batches in order")
    func longListSpansBatches() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 2))
        let list = ListSubmission(harness.scheduler, [1, 2, 3, 4, 5])
        #expect(await eventually { harness.scheduler.queueDepth == 5 })
        harness.scheduler.start()
        #expect(await list.outcome == .outputs([10, 20, 30, 40, 50]))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches == [[1, 2], [3, 4], [5]])
    }

    @Test("a list that does not fit in the queue is refused whole")
    func listThatDoesNotFitIsRefusedWhole() async {
        let harness = Harness(SchedulerConfiguration(maxQueue: 3))
        let queued = await harness.enqueue(1)

        let refused = ListSubmission(harness.scheduler, [2, 3, 4])

        #expect(await refused.outcome == .failed(.overloaded(retryAfterSeconds: 1)))
        #expect(harness.scheduler.queueDepth == 1)
        let fits = ListSubmission(harness.scheduler, [5, 6])
        #expect(await eventually { harness.scheduler.queueDepth == 3 })
        harness.scheduler.start()
        #expect(await queued.outcome == .output(10))
        #expect(await fits.outcome == .outputs([50, 60]))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches.joined().sorted() == [1, 5, 6])
        #expect(harness.metrics.total("sluice_rejected_total", [("reason", "overloaded")]) == 1)
    }

    @Test("cancelling the submitter takes every queued input of the list out")
    func cancellingTheSubmitterTakesTheListOut() async {
        let harness = Harness()
        let list = ListSubmission(harness.scheduler, [1, 2, 3])
        #expect(await eventually { harness.scheduler.queueDepth == 3 })

        list.cancel()

        #expect(await list.outcome == .failed(.cancelled))
        #expect(harness.scheduler.queueDepth == 0)
        // One request cancelled, however many of its inputs were waiting.
        #expect(harness.metrics.total("sluice_cancelled_total") == 1)
        let after = harness.submit(4)
        harness.scheduler.start()
        #expect(await after.outcome == .output(40))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches == [[4]])
    }

    @Test("a list whose deadline passes while queued times out, and none of it is computed")
    func listTimesOutWhileQueued() async {
        let harness = Harness(SchedulerConfiguration(requestTimeout: .seconds(1)))
        harness.scheduler.start()
        let running = await harness.startHeldBatch(1)
        let list = ListSubmission(harness.scheduler, [2, 3])
        #expect(await eventually { harness.scheduler.queueDepth == 2 })

        harness.clock.advance(by: .seconds(1))

        #expect(await list.outcome == .failed(.timedOut))
        #expect(harness.scheduler.queueDepth == 0)
        harness.model.releaseAll()
        #expect(await running.outcome == .output(10))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches == [[1]])
    }

    @Test("a failed batch fails the list; the rest of the list is not computed")
    func failedBatchFailsTheList() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 1))
        harness.model.fail(with: "boom")
        let list = ListSubmission(harness.scheduler, [1, 2, 3])
        #expect(await eventually { harness.scheduler.queueDepth == 3 })
        harness.model.holdBatches()
        harness.scheduler.start()
        #expect(await eventually { harness.model.heldBatches == 1 })

        harness.model.releaseOne()

        #expect(await list.outcome == .failed(.forwardFailed("boom")))
        #expect(await eventually { harness.scheduler.queueDepth == 0 })
        harness.model.releaseAll()
        await harness.scheduler.shutdown()
        // The first batch failed. The thread may have taken one more input before the list's
        // answer took the rest out (that batch is held until now), never both.
        #expect(harness.model.batches.first == [1])
        #expect(harness.model.batches.count <= 2)
        #expect(harness.metrics.total("sluice_cancelled_total") == 0)
    }

    @Test("a list is refused once shutdown has begun")
    func listRefusedWhileDraining() async {
        let harness = Harness()
        harness.scheduler.start()
        harness.scheduler.beginShutdown()
        #expect(await ListSubmission(harness.scheduler, [1, 2]).outcome == .failed(.shuttingDown))
        await harness.scheduler.shutdown()
        #expect(harness.model.batches.isEmpty)
    }

    @Test("an empty list is answered at once with no outputs")
    func emptyList() async {
        let harness = Harness()
        #expect(await ListSubmission(harness.scheduler, []).outcome == .outputs([]))
        await harness.scheduler.shutdown()
    }
}
