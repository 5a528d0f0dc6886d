/// Why a pipeline could not answer, in the categories the server maps to HTTP statuses.
public struct PipelineError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, for the status code.
    public enum Kind: String, Sendable {
        /// Well-formed but unusable input or parameter (HTTP 422).
        case validation
        /// The model folder cannot be served (start-up).
        case load
        /// A failure inside the engine (HTTP 500).
        case `internal`
    }

    /// The category.
    public let kind: Kind
    /// A message for a person, naming the input, parameter or file.
    public let message: String

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func validation(_ message: String) -> PipelineError { PipelineError(.validation, message) }
    static func load(_ message: String) -> PipelineError { PipelineError(.load, message) }
}
