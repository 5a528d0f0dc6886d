import SluiceJSON
import SluicePipelines

/// The engine's pipeline served as is: `items(of:parameters:)`, `prepare`, `forward` and
/// `finish` are its own methods.
extension Pipeline: ServablePipeline {
    public var taskName: String { task.rawValue }

    public var architecture: String? { config.architectures.first }

    public var weightFormat: String { denseWeights.rawValue }

    public func tokenCount(of prepared: PreparedInput) -> Int { prepared.tokenCount }

    public var taskNames: [String] { tasks.map(\.rawValue) }

    public func prepare(
        _ inputs: [JSONValue], asList: Bool, parameters: TaskParameters, task: String?
    ) throws -> [PreparedInput] {
        guard let task else { return try prepare(inputs, asList: asList, parameters: parameters) }
        guard let known = PipelineTask(name: task) else {
            throw PipelineError(.validation, "there is no task \"\(task)\"")
        }
        return try prepare(inputs, asList: asList, parameters: parameters, task: known)
    }
}
