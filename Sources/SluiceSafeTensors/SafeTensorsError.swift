/// A weights file (safetensors, or a torch `.bin` state dict) that cannot be used, with the
/// file and what is wrong in it.
///
/// `problem` names the tensor, field and bound involved, e.g.
/// `tensor 'pooler.dense.bias': data_offsets end 1540 is past the data section (1536 bytes)`.
public struct SafeTensorsError: Error, CustomStringConvertible {
    /// Path of the file the problem was found in.
    public let path: String
    /// What is wrong, in terms a person can act on.
    public let problem: String

    /// Makes an error about the file at `path`; other targets use it to report missing weights.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `path: problem`.
    public var description: String { "\(path): \(problem)" }
}
