import SluicePipelines

/// The engine's pipeline served as is: `items(of:parameters:)`, `prepare`, `forward` and
/// `finish` are its own methods.
extension Pipeline: ServablePipeline {
    public var taskName: String { task.rawValue }

    public var architecture: String? { config.architectures.first }

    public var weightFormat: String { denseWeights.rawValue }

    public func tokenCount(of prepared: PreparedInput) -> Int { prepared.tokenCount }
}
