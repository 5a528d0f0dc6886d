import Metrics

/// The scheduler's metrics, under stable names for the `/metrics` endpoint.
///
/// | name | kind | what |
/// |---|---|---|
/// | `sluice_queue_depth` | gauge | jobs waiting in the queue |
/// | `sluice_batch_size` | recorder | jobs per batch run |
/// | `sluice_batch_tokens` | recorder | real tokens per batch run |
/// | `sluice_queue_wait_seconds` | timer | from admission to the start of the job's batch |
/// | `sluice_compute_seconds` | timer | one forward call |
/// | `sluice_rejected_total` | counter | refused at admission; `reason` = `overloaded` or `shutting_down` |
/// | `sluice_timeouts_total` | counter | answered with a timeout while queued |
/// | `sluice_cancelled_total` | counter | submitter cancelled (client went away) |
/// | `sluice_forward_errors_total` | counter | batches whose forward call failed |
struct SchedulerMetrics: Sendable {
    let queueDepth: Gauge
    let batchSize: Recorder
    let batchTokens: Recorder
    let queueWait: Timer
    let compute: Timer
    let rejectedOverloaded: Counter
    let rejectedShuttingDown: Counter
    let timeouts: Counter
    let cancelled: Counter
    let forwardErrors: Counter

    init(factory: any MetricsFactory) {
        queueDepth = Gauge(label: "sluice_queue_depth", factory: factory)
        batchSize = Recorder(label: "sluice_batch_size", factory: factory)
        batchTokens = Recorder(label: "sluice_batch_tokens", factory: factory)
        queueWait = Timer(label: "sluice_queue_wait_seconds", factory: factory)
        compute = Timer(label: "sluice_compute_seconds", factory: factory)
        rejectedOverloaded = Counter(
            label: "sluice_rejected_total", dimensions: [("reason", "overloaded")], factory: factory)
        rejectedShuttingDown = Counter(
            label: "sluice_rejected_total", dimensions: [("reason", "shutting_down")], factory: factory)
        timeouts = Counter(label: "sluice_timeouts_total", factory: factory)
        cancelled = Counter(label: "sluice_cancelled_total", factory: factory)
        forwardErrors = Counter(label: "sluice_forward_errors_total", factory: factory)
    }
}
