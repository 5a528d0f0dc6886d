import SluiceScheduler
import Testing

@Suite("Lifecycle and errors", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test("drain finishes accepted jobs")
    func drainFinishesAcceptedJobs() async {
        // A long window that nobody advances the clock through: draining must not wait for it.
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 4, maxBatchWait: .seconds(1)))
        harness.scheduler.start()
        let first = harness.submit(1)
        #expect(await eventually { harness.clock.pendingDeadlines.contains(.seconds(1)) })
        harness.model.holdBatches()
        harness.clock.advance(by: .seconds(1))
        #expect(await eventually { harness.model.heldBatches == 1 })
        let queued = [await harness.enqueue(2), await harness.enqueue(3)]

        let shutdown = Task { await harness.scheduler.shutdown() }
        #expect(await eventually { !harness.scheduler.isAlive })
        #expect(await harness.submit(4).outcome == .shuttingDown)
        harness.model.releaseAll()
        await shutdown.value

        #expect(await first.outcome == .output(10))
        #expect(await queued[0].outcome == .output(20))
        #expect(await queued[1].outcome == .output(30))
        #expect(harness.model.batches == [[1], [2, 3]])
        #expect(harness.metrics.total("sluice_rejected_total", [("reason", "shutting_down")]) == 1)
        #expect(harness.clock.pendingDeadlines.isEmpty)
    }

    @Test("shutdown answers jobs accepted before start")
    func shutdownAnswersJobsAcceptedBeforeStart() async {
        let harness = Harness()
        let job = await harness.enqueue(1)

        await harness.scheduler.shutdown()

        #expect(await job.outcome == .output(10))
        #expect(!harness.scheduler.isAlive)
        #expect(await harness.submit(2).outcome == .shuttingDown)
    }

    @Test("run returns once its task is cancelled and the queue has drained")
    func runReturnsAfterCancellationAndDrain() async {
        let harness = Harness()
        let scheduler = harness.scheduler
        let service = Task { await scheduler.run() }
        #expect(await eventually { scheduler.isAlive })
        let running = await harness.startHeldBatch(1)

        service.cancel()
        #expect(await eventually { !scheduler.isAlive })
        harness.model.releaseAll()
        await service.value

        #expect(await running.outcome == .output(10))
        #expect(await harness.submit(2).outcome == .shuttingDown)
    }

    @Test("forward runs on the dedicated inference thread")
    func forwardRunsOnInferenceThread() async {
        let harness = Harness(SchedulerConfiguration(maxBatchSize: 1))
        harness.scheduler.start()

        for input in 1...3 {
            #expect(await harness.submit(input).outcome == .output(input * 10))
        }

        await harness.scheduler.shutdown()
        #expect(harness.model.threadNames == ["sluice-infer", "sluice-infer", "sluice-infer"])
    }

    @Test("forward errors are delivered to every job of the batch")
    func forwardErrorsReachEveryJob() async {
        let harness = Harness()
        let jobs = [await harness.enqueue(1), await harness.enqueue(2), await harness.enqueue(3)]
        harness.model.fail(with: "weights are missing")

        harness.scheduler.start()

        for job in jobs {
            #expect(await job.outcome == .forwardFailed("weights are missing"))
        }
        #expect(harness.model.batches == [[1, 2, 3]])
        #expect(harness.metrics.total("sluice_forward_errors_total") == 1)
        await harness.scheduler.shutdown()
    }

    @Test("a wrong number of outputs fails every job of the batch")
    func wrongOutputCountFailsEveryJob() async {
        let clock = ManualClock()
        let scheduler = Scheduler<Int, Int>(clock: clock) { inputs in Array(inputs.dropLast()) }
        let jobs = [Submission(scheduler, 1), Submission(scheduler, 2)]
        #expect(await eventually { scheduler.queueDepth == 2 })

        scheduler.start()

        let expected = Outcome.forwardFailed(
            String(describing: ForwardOutputCountMismatch(inputs: 2, outputs: 1)))
        for job in jobs {
            #expect(await job.outcome == expected)
        }
        await scheduler.shutdown()
    }

    @Test("metrics report batches, waits and the queue")
    func metricsReportBatchesWaitsAndQueue() async {
        let harness = Harness(SchedulerConfiguration(maxBatchTokens: 10))
        _ = await harness.enqueue(1, tokens: 3)
        _ = await harness.enqueue(2, tokens: 4)
        harness.clock.advance(by: .milliseconds(2))
        let last = await harness.enqueue(3, tokens: 5)

        harness.scheduler.start()
        #expect(await last.outcome == .output(30))
        await harness.scheduler.shutdown()

        #expect(harness.metrics.values("sluice_batch_size") == [2, 1])
        #expect(harness.metrics.values("sluice_batch_tokens") == [7, 5])
        #expect(harness.metrics.values("sluice_queue_wait_seconds") == [2_000_000, 2_000_000, 0])
        #expect(harness.metrics.values("sluice_queue_depth") == [1, 2, 3, 1, 0])
        #expect(harness.metrics.values("sluice_compute_seconds").count == 2)
    }
}
