/// The time source of a scheduler: it reads the time and runs timers, so that tests can replace
/// real time with a `ManualClock` and every deadline and wait window becomes deterministic.
///
/// Time is a `Duration` since the clock's own origin; it never goes backwards.
public protocol SchedulerClock: Sendable {
    /// The time elapsed since this clock's origin.
    var now: Duration { get }

    /// Runs `action` once, on some thread other than the caller's, when `now` reaches `deadline`,
    /// unless the returned timer is cancelled first. `action` must tolerate being run late, or
    /// just after a `cancel()` that raced with it.
    func schedule(at deadline: Duration, _ action: @escaping @Sendable () -> Void) -> any SchedulerTimer
}

/// A pending action of a `SchedulerClock`.
public protocol SchedulerTimer: Sendable {
    /// Stops the action from running, if it has not started yet.
    func cancel()
}

/// Real monotonic time (Swift's `ContinuousClock`); timers are tasks that sleep until their
/// deadline, so they fire even while the inference thread is busy with a long batch.
public struct SystemClock: SchedulerClock {
    private let origin: ContinuousClock.Instant

    /// Creates a clock whose origin is the current instant.
    public init() {
        origin = .now
    }

    /// The time elapsed since this clock was created.
    public var now: Duration {
        ContinuousClock.now - origin
    }

    /// Starts a task that sleeps until `deadline` and then runs `action`; cancelling the timer
    /// cancels the task.
    public func schedule(
        at deadline: Duration, _ action: @escaping @Sendable () -> Void
    )
        -> any SchedulerTimer
    {
        let instant = origin + deadline
        let task = Task {
            do {
                try await Task.sleep(until: instant, clock: .continuous)
            } catch {
                return
            }
            action()
        }
        return TaskTimer(task: task)
    }
}

private struct TaskTimer: SchedulerTimer {
    let task: Task<Void, Never>

    func cancel() {
        task.cancel()
    }
}
