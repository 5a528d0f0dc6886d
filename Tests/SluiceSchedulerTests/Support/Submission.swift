import SluiceScheduler
import Synchronization

/// How a submission ended, in a form tests can compare.
enum Outcome: Equatable, Sendable {
    case output(Int)
    case overloaded(retryAfterSeconds: Int)
    case timedOut
    case shuttingDown
    case cancelled
    case forwardFailed(String)
    /// Not answered within `eventually`'s timeout: a bug, reported instead of hanging the test.
    case unanswered

    init(_ error: SchedulerError) {
        switch error {
        case .overloaded(let seconds): self = .overloaded(retryAfterSeconds: seconds)
        case .timedOut: self = .timedOut
        case .shuttingDown: self = .shuttingDown
        case .cancelled: self = .cancelled
        case .forwardFailed(let error): self = .forwardFailed(String(describing: error))
        }
    }
}

/// One `submit` running in its own task, so a test can watch it finish, await it, or cancel it.
struct Submission: Sendable {
    private final class Box: Sendable {
        let outcome = Mutex<Outcome?>(nil)
    }

    private let task: Task<Outcome, Never>
    private let box: Box

    init(_ scheduler: Scheduler<Int, Int>, _ input: Int, tokens: Int = 1, priority: Int = 0) {
        let box = Box()
        self.box = box
        task = Task {
            let outcome: Outcome
            do throws(SchedulerError) {
                outcome = .output(try await scheduler.submit(input, tokens: tokens, priority: priority))
            } catch {
                outcome = Outcome(error)
            }
            box.outcome.withLock { $0 = outcome }
            return outcome
        }
    }

    /// Whether the submission has been answered (without waiting for it).
    var isFinished: Bool { box.outcome.withLock { $0 != nil } }

    /// The answer, once it comes; `.unanswered` if it does not come within `eventually`'s timeout.
    var outcome: Outcome {
        get async {
            guard await eventually({ isFinished }) else { return .unanswered }
            return await task.value
        }
    }

    /// Cancels the submitting task, as when a client goes away.
    func cancel() {
        task.cancel()
    }
}

/// One list `submit` (several inputs admitted together) running in its own task.
struct ListSubmission: Sendable {
    /// How a list submission ended: every output in order, or the one failure.
    enum ListOutcome: Equatable, Sendable {
        case outputs([Int])
        case failed(Outcome)
    }

    private final class Box: Sendable {
        let outcome = Mutex<ListOutcome?>(nil)
    }

    private let task: Task<ListOutcome, Never>
    private let box: Box

    init(_ scheduler: Scheduler<Int, Int>, _ inputs: [Int], tokens: Int = 1) {
        let box = Box()
        self.box = box
        task = Task {
            let outcome: ListOutcome
            do throws(SchedulerError) {
                outcome = .outputs(try await scheduler.submit(inputs.map { ($0, tokens) }))
            } catch {
                outcome = .failed(Outcome(error))
            }
            box.outcome.withLock { $0 = outcome }
            return outcome
        }
    }

    var isFinished: Bool { box.outcome.withLock { $0 != nil } }

    /// The answer, once it comes; `.failed(.unanswered)` if it does not come in time.
    var outcome: ListOutcome {
        get async {
            guard await eventually({ isFinished }) else { return .failed(.unanswered) }
            return await task.value
        }
    }

    func cancel() {
        task.cancel()
    }
}
