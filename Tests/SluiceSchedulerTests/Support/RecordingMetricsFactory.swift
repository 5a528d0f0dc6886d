import Metrics
import Synchronization

/// A metrics backend that keeps every value, so tests can read what the scheduler reported
/// without touching the process-wide `MetricsSystem`.
final class RecordingMetricsFactory: MetricsFactory {
    final class Handler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler,
        MeterHandler
    {
        let values = Mutex<[Double]>([])

        func increment(by amount: Int64) { values.withLock { $0.append(Double(amount)) } }
        func increment(by amount: Double) { values.withLock { $0.append(amount) } }
        func decrement(by amount: Double) { values.withLock { $0.append(-amount) } }
        func reset() { values.withLock { $0 = [] } }
        func record(_ value: Int64) { values.withLock { $0.append(Double(value)) } }
        func record(_ value: Double) { values.withLock { $0.append(value) } }
        func set(_ value: Int64) { values.withLock { $0.append(Double(value)) } }
        func set(_ value: Double) { values.withLock { $0.append(value) } }
        func recordNanoseconds(_ duration: Int64) { values.withLock { $0.append(Double(duration)) } }
    }

    private let handlers = Mutex<[String: Handler]>([:])

    /// Every value recorded under `label` with exactly these dimensions, in order.
    func values(_ label: String, _ dimensions: [(String, String)] = []) -> [Double] {
        handlers.withLock { $0[Self.key(label, dimensions)] }?.values.withLock { $0 } ?? []
    }

    /// The sum of a counter's increments.
    func total(_ label: String, _ dimensions: [(String, String)] = []) -> Int {
        Int(values(label, dimensions).reduce(0, +))
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }

    private func handler(_ label: String, _ dimensions: [(String, String)]) -> Handler {
        handlers.withLock { handlers in
            let key = Self.key(label, dimensions)
            if let handler = handlers[key] {
                return handler
            }
            let handler = Handler()
            handlers[key] = handler
            return handler
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        handler(label, dimensions)
    }
    func makeFloatingPointCounter(
        label: String, dimensions: [(String, String)]
    )
        -> any FloatingPointCounterHandler
    {
        handler(label, dimensions)
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        handler(label, dimensions)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        handler(label, dimensions)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        handler(label, dimensions)
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
