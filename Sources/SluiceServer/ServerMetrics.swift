import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The metrics of one server: a Prometheus registry that `/metrics` renders, and the
/// swift-metrics factory that the scheduler and the HTTP layer record into.
///
/// Pass the same instance to `buildApplication`; the executable also makes its factory the
/// process's swift-metrics backend (`bootstrapGlobally()`), tests keep one per server.
///
/// HTTP metrics (the scheduler's are listed in `SluiceScheduler.SchedulerMetrics`):
/// `sluice_http_requests_total{route, status}` counts every answer.
public final class ServerMetrics: Sendable {
    /// Where every metric is registered; `/metrics` writes it out.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics backend over `registry`, with buckets fitted to Sluice's metrics.
    public let factory: PrometheusMetricsFactory
    private let requestCounters = NIOLockedValueBox([String: Metrics.Counter]())

    /// Creates an empty registry with Sluice's histogram buckets.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets = [
            "sluice_batch_size": [1, 2, 4, 8, 16, 32, 64, 128, 256],
            "sluice_batch_tokens": [16, 64, 256, 1024, 4096, 16384, 65536],
        ]
        let latency: [Duration] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1),
            .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.durationHistogramBuckets = [
            "sluice_queue_wait_seconds": latency,
            "sluice_compute_seconds": latency,
        ]
        self.factory = factory
    }

    /// Makes this registry the process's swift-metrics backend. Call it at most once per process
    /// (swift-metrics allows one bootstrap), and only from the executable.
    public func bootstrapGlobally() {
        MetricsSystem.bootstrap(factory)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        registry.emitToString()
    }

    /// Counts one HTTP answer.
    func countRequest(route: String, status: Int) {
        let key = "\(route) \(status)"
        let counter = requestCounters.withLockedValue { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(
                label: "sluice_http_requests_total",
                dimensions: [("route", route), ("status", String(status))],
                factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
