import HTTPTypes
import Hummingbird
import SluiceJSON
import SluicePipelines

/// What every API dialect's routes share: the request body reader, the served models, the one
/// a request goes to, and running one of its tasks on a request's inputs as a list, cancelled
/// if the client leaves.
struct TaskRunner<Pipeline: ServablePipeline>: Sendable {
    let models: ModelRegistry<Pipeline>
    let body: BodyReader
    /// The most inputs one request may carry (`--max-inputs`, capped by the queue).
    let maxInputs: Int
    /// The model requests go to: the default, unless `serving(_:)` chose another.
    var model: ModelRegistry<Pipeline>.Entry

    init(models: ModelRegistry<Pipeline>, body: BodyReader, maxInputs: Int) {
        self.models = models
        self.body = body
        self.maxInputs = maxInputs
        model = models.first
    }

    /// The same runner for the model `entry`.
    func serving(_ entry: ModelRegistry<Pipeline>.Entry) -> TaskRunner {
        var runner = self
        runner.model = entry
        return runner
    }

    /// The same runner for the model of that name (404 for a name not served).
    func serving(named name: String?) throws(ServerError) -> TaskRunner {
        serving(try models.entry(named: name))
    }

    var service: InferenceService<Pipeline> { model.service }

    /// The loaded model, or the 503 of a model still loading.
    func loaded() throws(ServerError) -> Pipeline {
        guard let pipeline = service.pipeline else { throw InferenceService<Pipeline>.loading }
        return pipeline
    }

    /// Runs `task` (nil: the served one) on `inputs` with `parameters` at `priority` (lower is
    /// more urgent); `unsupported` is the error for a model that does not answer the task.
    func run(
        _ task: PipelineTask?, _ inputs: [JSONValue], _ parameters: [(String, JSONValue)], priority: Int = 0,
        context: SluiceRequestContext, unsupported: ServerError
    ) async throws -> TaskAnswer {
        if let task, !(try loaded().taskNames.contains(task.rawValue)) { throw unsupported }
        let call = TaskCall(
            task: task?.rawValue, items: try failing { try InputItems(items: inputs, isList: true) },
            parameters: try failing { try TaskParameters(.object(parameters)) }, priority: priority)
        return try await context.whileClientWaits { [service, maxInputs] in
            try await service.run(call, maxInputs: maxInputs)
        }
    }

    /// A pipeline's error as the server answers it.
    func failing<Value>(_ work: () throws -> Value) throws(ServerError) -> Value {
        do { return try work() } catch { throw service.failure(error) }
    }
}

/// A route's handler.
typealias RouteHandler = @Sendable (Request, SluiceRequestContext) async throws -> Response

/// A route: a method, a path (a literal, or a prefix ending in `/**` for any path below it) and
/// its handler.
typealias Route = (method: HTTPRequest.Method, path: String, handler: RouteHandler)

extension Router<SluiceRequestContext> {
    /// Adds routes.
    func add(_ routes: [Route]) {
        for route in routes { on(RouterPath(route.path), method: route.method, use: route.handler) }
    }
}

/// Which methods each path of the server answers, so that a known path asked with another
/// method gets 405 and an `Allow` header rather than the router's 404.
struct RouteTable: Sendable {
    private let entries: [(method: HTTPRequest.Method, components: [Substring], below: Bool)]

    init(_ routes: [Route]) {
        entries = routes.map { route in
            var components = Self.components(route.path)
            let below = components.last == "**"
            if below { components.removeLast() }
            return (route.method, components, below)
        }
    }

    /// The methods some route answers at `path`, in the order the routes were given; empty
    /// for a path no route has.
    func methods(at path: String) -> [HTTPRequest.Method] {
        let components = Self.components(path)
        var methods: [HTTPRequest.Method] = []
        for entry in entries where !methods.contains(entry.method) {
            let matches =
                entry.below
                ? components.count > entry.components.count && components.starts(with: entry.components)
                : components == entry.components
            if matches { methods.append(entry.method) }
        }
        return methods
    }

    /// The path's segments, as the router splits it (empty ones dropped).
    private static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
