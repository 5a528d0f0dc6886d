import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import ServiceLifecycle
import SluiceJSON
import SluicePipelines
import SluiceScheduler

/// The pipeline behind the scheduler: request tasks call `infer`, which prepares each text on
/// the calling task, submits it to the scheduler (whose inference thread alone runs
/// `forward`), and finishes its output on the calling task again.
///
/// As a `Service` it owns the model and the scheduler's lifetime: `run()` loads the model on a
/// thread of its own (the server already answers, 503 meanwhile), starts the inference thread,
/// and on graceful shutdown refuses new jobs (503), computes every accepted one, then returns.
final class InferenceService<Pipeline: ServablePipeline>: Service, Sendable {
    let scheduler: Scheduler<Pipeline.Prepared, Computed<Pipeline.Output>>
    let verboseErrors: Bool
    let requestNice: Int
    let priorities: ComputePriorities
    let logger: Logger
    /// Set on the inference thread once it and the compute pool are registered as compute
    /// threads: only then may the other threads be lowered (lowering cannot be undone).
    private let computeThreadsRegistered = NIOLockedValueBox(false)
    private let load: @Sendable (LoadCancellation) throws -> Pipeline
    /// Set once the model is loaded and the inference thread started; `forward` reads it too.
    private let loaded: NIOLockedValueBox<Pipeline?>

    /// A service for one model: its scheduler's metrics go to `metricsFactory`, its forward
    /// passes take `turns` at the compute threads with the other models'.
    init(
        configuration: ServerConfiguration, metricsFactory: any MetricsFactory, turns: ComputeTurns,
        logger: Logger, load: @escaping @Sendable (LoadCancellation) throws -> Pipeline
    ) {
        self.verboseErrors = configuration.verboseErrors
        self.requestNice = configuration.requestNice
        self.priorities = configuration.computePriorities
        self.logger = logger
        self.load = load
        let loaded = NIOLockedValueBox<Pipeline?>(nil)
        self.loaded = loaded
        let registered = computeThreadsRegistered
        let register = configuration.computePriorities.registerComputeThread
        scheduler = Scheduler(
            configuration: configuration.scheduler, clock: configuration.clock,
            metricsFactory: metricsFactory,
            threadStart: {
                register()
                registered.withLockedValue { $0 = true }
            }
        ) { batch in
            // No job exists before the model: `prepare` needs it.
            guard let pipeline = loaded.withLockedValue({ $0 }) else {
                throw ServerError(.internal, "no model is loaded")
            }
            return try turns.take {
                let start = ContinuousClock.now
                let outputs = try pipeline.forward(batch)
                let end = ContinuousClock.now
                return outputs.map { Computed(output: $0, batchStart: start, batchEnd: end) }
            }
        }
    }

    /// The loaded pipeline; nil while the model loads.
    var pipeline: Pipeline? { loaded.withLockedValue { $0 } }

    /// True once the model is loaded and the inference thread runs, until a shutdown begins:
    /// what `/health` reports.
    var isReady: Bool { pipeline != nil && scheduler.isAlive }

    /// The 503 for a request that comes before the model is loaded.
    static var loading: ServerError {
        ServerError(.overloaded, "the model is loading", retryAfterSeconds: 1)
    }

    /// Reads a `POST /` request's inputs as the served task does and answers them (see `run`):
    /// a raw text as the transformers pipeline answers it, JSON in the Inference API's shapes
    /// (`InferenceAPIShapes`).
    func infer(
        _ request: InferenceRequest, maxInputs: Int
    ) async throws(ServerError) -> (JSONValue, ComputeCost) {
        guard let pipeline else { throw Self.loading }
        let call: TaskCall
        let task = pipeline.taskName
        do {
            switch request.inputs {
            case .text(let text):
                call = TaskCall(items: try InputItems(items: [.string(text)], isList: false))
            case .json(let inputs):
                call = TaskCall(
                    items: try pipeline.items(of: inputs, parameters: request.parameters),
                    parameters: try InferenceAPIShapes.parameters(task: task, request.parameters),
                    priority: request.priority)
            }
        } catch {
            throw failure(error)
        }
        let answer = try await run(call, maxInputs: maxInputs)
        guard case .json = request.inputs else { return (answer.json, answer.cost) }
        let outputs = answer.outputs.map { InferenceAPIShapes.answer(task: task, $0, inList: answer.isList) }
        return (answer.isList ? .array(outputs) : outputs[0], answer.cost)
    }

    /// Prepares every input of `call` (all fail as one if any is unusable), submits them
    /// together, each a job of its own that batches with everyone else's, and returns the answers
    /// with what they cost. At most `maxInputs` inputs are taken (413 above). Cancelling the
    /// calling task cancels every job still queued.
    func run(_ call: TaskCall, maxInputs: Int) async throws(ServerError) -> TaskAnswer {
        let received = ContinuousClock.now
        guard let pipeline else { throw Self.loading }
        let items = call.items
        guard items.items.count <= maxInputs else {
            throw ServerError(
                .payloadTooLarge,
                "\"inputs\" has \(items.items.count) items; this server takes at most \(maxInputs)")
        }
        // Overloaded (or draining), a request is answered before its inputs are tokenized: under
        // a flood of retries, refusing must cost far less than serving.
        if let refusal = scheduler.refusal(forInputs: items.items.count) {
            throw failure(refusal)
        }
        do {
            let prepared = try pipeline.prepare(
                items.items, asList: items.isList, parameters: call.parameters, task: call.task)
            let tokens = prepared.map { pipeline.tokenCount(of: $0) }
            let submitted = ContinuousClock.now
            let computed =
                prepared.count == 1
                ? [try await scheduler.submit(prepared[0], tokens: tokens[0], priority: call.priority)]
                : try await scheduler.submit(Array(zip(prepared, tokens)), priority: call.priority)
            let outputs = try zip(prepared, computed).map { try pipeline.finish($0, $1.output) }
            let batchStart = computed.map(\.batchStart).min() ?? submitted
            let batchEnd = computed.map(\.batchEnd).max() ?? submitted
            let inputs = max(computed.count, 1)
            let cost = ComputeCost(
                tokens: tokens.reduce(0, +), characters: items.items.reduce(0) { $0 + $1.characterCount },
                tokenization: submitted - received, queue: batchStart - submitted,
                inference: batchEnd - batchStart, total: ContinuousClock.now - received,
                tokenizationPerInput: (submitted - received) / inputs,
                queuePerInput: computed.reduce(.zero) { $0 + ($1.batchStart - submitted) } / inputs,
                inferencePerInput: computed.reduce(.zero) { $0 + ($1.batchEnd - $1.batchStart) } / inputs)
            return TaskAnswer(outputs: outputs, isList: items.isList, cost: cost)
        } catch {
            throw failure(error)
        }
    }

    /// The client's answer for `error`; an internal failure is logged in full, since the answer
    /// may not say what it was.
    func failure(_ error: any Error) -> ServerError {
        let answer = ServerError.from(error, verbose: verboseErrors)
        if answer.kind == .internal {
            logger.error("inference failed", metadata: ["error": "\(String(reflecting: error))"])
        }
        return answer
    }

    func run() async throws {
        let cancellation = LoadCancellation()
        try await withGracefulShutdownHandler {
            let pipeline: Pipeline
            do {
                // Cancelled by a graceful shutdown (below) or by the group's cancellation (another
                // service failed: the port was taken, say).
                pipeline = try await withTaskCancellationHandler {
                    try await Self.loadOnOwnThread { [load] in try load(cancellation) }
                } onCancel: {
                    cancellation.cancel()
                }
            } catch is CancellationError where cancellation.isCancelled {
                // The shutdown stopped the load (a download, say): nothing was accepted.
                logger.info("shut down while loading; the model was not loaded")
                return
            }
            // Started before the pipeline is published, so a published pipeline means a running
            // thread; a shutdown that came during loading has already begun the drain.
            scheduler.start()
            loaded.withLockedValue { $0 = pipeline }
            logger.info("model ready; inference thread started")
            let priorities = Task { await self.keepRequestThreadsBelowCompute() }
            await scheduler.run()
            priorities.cancel()
        } onGracefulShutdown: {
            self.logger.info("draining: refusing new requests, finishing accepted ones")
            cancellation.cancel()
            self.scheduler.beginShutdown()
        }
        logger.info("inference thread stopped; every accepted request was answered")
    }

    /// Every second, lowers the threads that do not compute (event loops, the concurrency pool,
    /// timers, and any started since) `requestNice` levels below the inference thread and its
    /// compute pool, once those are registered. Under a flood of requests (clients retrying
    /// 503s at once) the model then keeps the cores: measured with 128 clients sending 32
    /// sentences each to all-MiniLM-L6-v2, 1,310–1,340 inputs/s were served against 530–550 with equal
    /// priorities, and 32 clients were served as fast as before.
    private func keepRequestThreadsBelowCompute() async {
        guard requestNice > 0 else {
            logger.info("request threads keep the compute threads' priority", metadata: ["nice_offset": "0"])
            return
        }
        var announced = false
        while !Task.isCancelled {
            let ready = computeThreadsRegistered.withLockedValue { $0 }
            if ready, let lowered = priorities.lowerOtherThreads(requestNice), !announced {
                announced = true
                logger.info(
                    "request threads run below the compute threads",
                    metadata: ["nice_offset": "\(requestNice)", "lowered": "\(lowered)"])
            }
            try? await Task.sleep(for: ready ? .seconds(1) : .milliseconds(20))
        }
    }

    /// Runs the blocking model load on a thread of its own, so that it holds neither an event
    /// loop nor a thread of the concurrency pool.
    private static func loadOnOwnThread(
        _ load: @escaping @Sendable () throws -> Pipeline
    ) async throws -> Pipeline {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try load() }) }
            thread.name = "sluice-load"
            thread.start()
        }
    }
}

/// What a route asks of the model: inputs for one of the tasks the pipeline answers.
struct TaskCall: Sendable {
    /// The task, by name; nil for the served one.
    var task: String? = nil
    /// The inputs, and whether the answer is a list.
    var items: InputItems
    var parameters: TaskParameters = .none
    /// Lower is more urgent (0 by default): batches take more urgent requests first.
    var priority = 0
}

/// The answers to a `TaskCall`, one per input, and what they cost.
struct TaskAnswer: Sendable {
    var outputs: [JSONValue]
    var isList: Bool
    var cost: ComputeCost

    /// One input's answer, or the list of them.
    var json: JSONValue { isList ? .array(outputs) : outputs[0] }
}

/// What one request cost: its tokens and characters (Unicode scalars of its texts), and where
/// its time went: tokenizing, from submission to the start of the (first) batch that computed
/// it, from there to the end of the last, and all of it (`Server-Timing`); and the same per input
/// as TEI's timing headers report it (for a list, the mean over its inputs of each input's wait
/// and of its batch's compute).
struct ComputeCost: Sendable {
    var tokens, characters: Int
    var tokenization, queue, inference, total: Duration
    var tokenizationPerInput, queuePerInput, inferencePerInput: Duration
}

/// A pipeline's output with the batch that computed it.
struct Computed<Output: Sendable>: Sendable {
    let output: Output
    let batchStart: ContinuousClock.Instant
    let batchEnd: ContinuousClock.Instant
}

extension JSONValue {
    /// The Unicode scalars of every string in this input (an object's values, a list's items);
    /// a token id counts one, as TEI counts it.
    var characterCount: Int {
        switch self {
        case .string(let text): return text.unicodeScalars.count
        case .int: return 1
        case .array(let items): return items.reduce(0) { $0 + $1.characterCount }
        case .object(let members): return members.reduce(0) { $0 + $1.1.characterCount }
        default: return 0
        }
    }
}
