import SluiceScheduler
import Testing

/// Many submitters at once, in real time: every job is answered exactly once (a second answer
/// would trap in `CheckedContinuation`), with its own output, and computed at most once.
@Suite("Concurrency", .timeLimit(.minutes(1)))
struct ConcurrencyTests {
    @Test("concurrent submitters each get their own output")
    func concurrentSubmittersGetTheirOwnOutput() async {
        let model = FakeModel()
        let scheduler = Scheduler<Int, Int>(
            configuration: SchedulerConfiguration(maxBatchSize: 8, maxBatchWait: .milliseconds(1)),
            metricsFactory: RecordingMetricsFactory()
        ) { try model.forward($0) }
        scheduler.start()

        let outcomes = await withTaskGroup(of: (Int, Outcome).self) { group in
            for input in 0..<400 {
                group.addTask {
                    do throws(SchedulerError) {
                        return (input, .output(try await scheduler.submit(input, tokens: 1)))
                    } catch {
                        return (input, Outcome(error))
                    }
                }
            }
            var outcomes: [Int: Outcome] = [:]
            for await (input, outcome) in group {
                outcomes[input] = outcome
            }
            return outcomes
        }
        await scheduler.shutdown()

        #expect(outcomes.count == 400)
        #expect(outcomes.allSatisfy { input, outcome in outcome == .output(input * 10) })
        #expect(model.batches.joined().sorted() == Array(0..<400))
        #expect(model.batches.allSatisfy { (1...8).contains($0.count) })
    }

    @Test("cancellations racing with batches leave no job answered twice or computed twice")
    func cancellationsRacingWithBatches() async {
        let model = FakeModel()
        let scheduler = Scheduler<Int, Int>(
            configuration: SchedulerConfiguration(maxBatchSize: 4),
            metricsFactory: RecordingMetricsFactory()
        ) { try model.forward($0) }
        scheduler.start()

        let submissions = (0..<300).map { Submission(scheduler, $0) }
        for submission in submissions.enumerated() where submission.offset % 3 == 0 {
            submission.element.cancel()
        }
        var outcomes: [Outcome] = []
        for submission in submissions {
            outcomes.append(await submission.outcome)
        }
        await scheduler.shutdown()

        for (input, outcome) in outcomes.enumerated() {
            if input % 3 == 0 {
                #expect(outcome == .cancelled || outcome == .output(input * 10))
            } else {
                #expect(outcome == .output(input * 10))
            }
        }
        let computed = model.batches.joined().sorted()
        #expect(computed == Array(Set(computed)).sorted())
        #expect(Set(computed).isSuperset(of: (0..<300).filter { $0 % 3 != 0 }))
    }

    @Test("cancellations as batches finish never deadlock the scheduler")
    func cancellationsAsBatchesFinishNeverDeadlock() async {
        // A cancelled task's cancellation handler holds the runtime's lock on that task while it
        // waits for the scheduler's lock; the inference thread once resumed answers while
        // holding the scheduler's lock, which needs the task's lock: a deadlock that stopped
        // the server under load when clients went away as their batch finished.
        let model = FakeModel()
        let scheduler = Scheduler<Int, Int>(
            configuration: SchedulerConfiguration(maxBatchSize: 8),
            metricsFactory: RecordingMetricsFactory()
        ) { try model.forward($0) }
        scheduler.start()

        for round in 0..<150 {
            let submissions = (0..<32).map { Submission(scheduler, round * 32 + $0) }
            for (index, submission) in submissions.enumerated() {
                for _ in 0..<(index % 4) { await Task.yield() }
                submission.cancel()
            }
            for submission in submissions {
                let outcome = await submission.outcome
                #expect(outcome != .unanswered, "round \(round): a job was never answered")
                if outcome == .unanswered { return }
            }
        }
        await scheduler.shutdown()
    }
}
