/// A clock that moves only when told to, for deterministic tests of deadlines and wait windows.
///
/// `advance(by:)` moves time forward and runs, on the caller's thread and in deadline order,
/// every timer that falls due; while a timer runs, `now` equals its deadline.
public final class ManualClock: SchedulerClock {
    private struct PendingTimer {
        var id: UInt64
        var deadline: Duration
        var action: @Sendable () -> Void
    }

    private struct State {
        var now: Duration
        var nextID: UInt64 = 0
        var pending: [PendingTimer] = []
    }

    private let state: Monitor<State>

    /// Creates a clock that reads `now` until it is advanced.
    public init(now: Duration = .zero) {
        state = Monitor(State(now: now))
    }

    /// The time this clock has been advanced to.
    public var now: Duration {
        state.withLock { $0.now }
    }

    /// The deadlines of the timers scheduled and neither fired nor cancelled yet, earliest first;
    /// a test waits on it to know that the scheduler has armed a timer.
    public var pendingDeadlines: [Duration] {
        state.withLock { $0.pending.map(\.deadline).sorted() }
    }

    /// Records `action` to run when the clock is advanced to `deadline` or beyond (a deadline
    /// already passed runs at the next `advance`).
    public func schedule(
        at deadline: Duration, _ action: @escaping @Sendable () -> Void
    )
        -> any SchedulerTimer
    {
        let id = state.withLock { state in
            state.nextID += 1
            state.pending.append(PendingTimer(id: state.nextID, deadline: deadline, action: action))
            return state.nextID
        }
        return ManualTimer(clock: self, id: id)
    }

    /// Moves time forward by `duration`, running the timers that fall due.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock never goes backwards")
        advance(to: now + duration)
    }

    /// Moves time forward to `instant` (never backwards), running the timers that fall due,
    /// including those scheduled by the timers it runs.
    public func advance(to instant: Duration) {
        while let timer = takeNextTimer(dueBy: instant) {
            timer.action()
        }
        state.withLock { $0.now = max($0.now, instant) }
    }

    private func takeNextTimer(dueBy instant: Duration) -> PendingTimer? {
        state.withLock { state in
            let due = state.pending.indices.filter { state.pending[$0].deadline <= instant }
            guard
                let index = due.min(by: {
                    (state.pending[$0].deadline, state.pending[$0].id)
                        < (state.pending[$1].deadline, state.pending[$1].id)
                })
            else { return nil }
            let timer = state.pending.remove(at: index)
            state.now = max(state.now, timer.deadline)
            return timer
        }
    }

    fileprivate func cancel(id: UInt64) {
        state.withLock { state in state.pending.removeAll { $0.id == id } }
    }
}

private struct ManualTimer: SchedulerTimer {
    let clock: ManualClock
    let id: UInt64

    func cancel() {
        clock.cancel(id: id)
    }
}
