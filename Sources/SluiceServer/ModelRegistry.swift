import Foundation
import Metrics

/// The models one server serves, each loaded once with its own queue and inference thread, by
/// the name clients give it; the first is the default for routes that name none.
final class ModelRegistry<Pipeline: ServablePipeline>: Sendable {
    /// One served model.
    struct Entry: Sendable {
        /// The name clients use (OpenAI's `model`, KServe's path, `/models/{name}/…`).
        let name: String
        /// The folder or hub id it was loaded from, which names it too.
        let modelID: String
        /// The hub revision asked for, if any.
        let revision: String?
        let service: InferenceService<Pipeline>

        func answers(to name: String) -> Bool { name == self.name || name == modelID }
    }

    let entries: [Entry]

    init(_ entries: [Entry]) {
        precondition(!entries.isEmpty, "a server serves at least one model")
        self.entries = entries
    }

    /// The default model.
    var first: Entry { entries[0] }

    /// The model that answers to `name` (its served name, or where it came from), if any.
    func entry(answering name: String) -> Entry? { entries.first { $0.answers(to: name) } }

    /// The model of that name (the default for nil); 404 for a name not served.
    func entry(named name: String?) throws(ServerError) -> Entry {
        guard let name else { return first }
        guard let entry = entry(answering: name) else {
            throw ServerError(
                .notFound,
                "Model with name \(name) does not exist (served: \(entries.map(\.name).joined(separator: ", ")))",
                detail: .unknownModel)
        }
        return entry
    }

    /// Whether every model is loaded and its inference thread admits jobs.
    var isReady: Bool { entries.allSatisfy { $0.service.isReady } }
}

/// Turns at the compute threads for the models of one process: each inference thread takes a
/// turn for every forward pass, in the order they asked, so models share the cores batch by
/// batch and no pass of one model runs beside another's on the one compute pool.
final class ComputeTurns: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var nextTicket = 0
    private var serving = 0

    /// Runs `work` when this caller's turn comes.
    func take<Value>(_ work: () throws -> Value) rethrows -> Value {
        condition.lock()
        let ticket = nextTicket
        nextTicket += 1
        while serving != ticket { condition.wait() }
        condition.unlock()
        defer {
            condition.lock()
            serving += 1
            condition.broadcast()
            condition.unlock()
        }
        return try work()
    }
}

/// A swift-metrics factory that adds `model="<name>"` to every metric it makes, so that each
/// model's scheduler metrics are series of their own.
struct ModelMetricsFactory: MetricsFactory {
    let base: any MetricsFactory
    let model: String

    private func labelled(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions + [("model", model)]
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        base.makeCounter(label: label, dimensions: labelled(dimensions))
    }

    func makeFloatingPointCounter(
        label: String, dimensions: [(String, String)]
    ) -> any FloatingPointCounterHandler {
        base.makeFloatingPointCounter(label: label, dimensions: labelled(dimensions))
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        base.makeMeter(label: label, dimensions: labelled(dimensions))
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        base.makeRecorder(label: label, dimensions: labelled(dimensions), aggregate: aggregate)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        base.makeTimer(label: label, dimensions: labelled(dimensions))
    }

    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        base.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
