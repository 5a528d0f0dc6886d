/// Why a model folder could not be loaded or run; every case says what to look at.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    /// A message for a person: which file, which tensor, which field.
    public let description: String

    /// An error with the given message.
    public init(_ description: String) { self.description = description }
}
