import SluiceScheduler
import Synchronization
import Testing

@Suite("ManualClock")
struct ManualClockTests {
    @Test("timers fire in deadline order, each at its own deadline")
    func timersFireInDeadlineOrder() {
        let clock = ManualClock()
        let fired = Mutex<[(String, Duration)]>([])
        for (name, deadline) in [("b", Duration.seconds(2)), ("a", .seconds(1)), ("c", .seconds(5))] {
            _ = clock.schedule(at: deadline) { fired.withLock { $0.append((name, clock.now)) } }
        }

        clock.advance(by: .seconds(3))

        let order = fired.withLock { $0 }
        #expect(order.map(\.0) == ["a", "b"])
        #expect(order.map(\.1) == [.seconds(1), .seconds(2)])
        #expect(clock.now == .seconds(3))
        #expect(clock.pendingDeadlines == [.seconds(5)])
    }

    @Test("a cancelled timer never fires")
    func cancelledTimerNeverFires() {
        let clock = ManualClock()
        let fired = Mutex(false)
        let timer = clock.schedule(at: .seconds(1)) { fired.withLock { $0 = true } }

        timer.cancel()
        clock.advance(by: .seconds(2))

        #expect(fired.withLock { $0 } == false)
        #expect(clock.pendingDeadlines.isEmpty)
    }

    @Test("a timer scheduled by a firing timer fires in the same advance when due")
    func timerScheduledByTimerFiresWhenDue() {
        let clock = ManualClock()
        let fired = Mutex<[Duration]>([])
        _ = clock.schedule(at: .seconds(1)) {
            fired.withLock { $0.append(clock.now) }
            _ = clock.schedule(at: .seconds(2)) { fired.withLock { $0.append(clock.now) } }
        }

        clock.advance(to: .seconds(2))

        #expect(fired.withLock { $0 } == [.seconds(1), .seconds(2)])
    }

    @Test("a deadline already passed fires at the next advance")
    func passedDeadlineFiresAtNextAdvance() {
        let clock = ManualClock(now: .seconds(10))
        let fired = Mutex(false)
        _ = clock.schedule(at: .seconds(1)) { fired.withLock { $0 = true } }
        #expect(fired.withLock { $0 } == false)

        clock.advance(by: .zero)

        #expect(fired.withLock { $0 })
        #expect(clock.now == .seconds(10))
    }
}
