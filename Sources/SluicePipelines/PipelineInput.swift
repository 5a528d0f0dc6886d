import SluiceJSON
import SluiceTokenizers

/// Reading inputs and parameters out of the Inference API's JSON, with validation errors that
/// name what was wrong.
extension JSONValue {
    /// The input as one text, or a validation error naming the task's input shape.
    func requireText(_ task: PipelineTask) throws -> String {
        guard case .string(let text) = self else {
            throw PipelineError.validation("\(task.rawValue) takes a string input")
        }
        return text
    }

    /// A string field of an object input.
    func stringField(_ key: String, in shape: String) throws -> String {
        guard case .string(let text) = self[key] else {
            throw PipelineError.validation("the input must be \(shape); \"\(key)\" must be a string")
        }
        return text
    }

    /// A list-of-strings field of an object input.
    func stringListField(_ key: String, in shape: String) throws -> [String] {
        guard case .array(let items) = self[key] else {
            throw PipelineError.validation("the input must be \(shape); \"\(key)\" must be a list of strings")
        }
        return try items.map {
            guard case .string(let text) = $0 else {
                throw PipelineError.validation(
                    "the input must be \(shape); \"\(key)\" must hold only strings")
            }
            return text
        }
    }

    /// Whether this is an object with `key`.
    func has(_ key: String) -> Bool { self[key] != nil }
}

/// One request's `parameters` object, with typed access for the tasks.
public struct TaskParameters: Sendable {
    /// The object, or nil when the request sent none (or `null`).
    public let values: JSONValue?

    /// No parameters.
    public static let none = TaskParameters(object: nil)

    private init(object: JSONValue?) { values = object }

    /// The Inference API's `parameters`: an object, or nothing (absent or `null`); the one
    /// place that refuses anything else.
    public init(_ json: JSONValue?) throws {
        switch json {
        case nil, .null?: values = nil
        case .object?: values = json
        default: throw PipelineError.validation("\"parameters\" must be an object")
        }
    }

    /// Whether the parameter is present (a JSON `null` counts: some tasks tell it apart).
    func has(_ key: String) -> Bool { values?[key] != nil }

    /// A positive integer, nil when absent or null.
    func positiveInt(_ key: String) throws -> Int? {
        guard let value = values?[key], value != .null else { return nil }
        guard case .int(let k) = value, k >= 1 else {
            throw PipelineError.validation("\(key) must be a positive integer")
        }
        return k
    }

    /// A non-negative integer, nil when absent or null.
    func nonNegativeInt(_ key: String) throws -> Int? {
        guard let value = values?[key], value != .null else { return nil }
        guard case .int(let k) = value, k >= 0 else {
            throw PipelineError.validation("\(key) must be a non-negative integer")
        }
        return k
    }

    /// A boolean, nil when absent or null.
    func bool(_ key: String) throws -> Bool? {
        guard let value = values?[key], value != .null else { return nil }
        guard case .bool(let b) = value else {
            throw PipelineError.validation("\(key) must be true or false")
        }
        return b
    }

    /// A string, nil when absent or null.
    func string(_ key: String) throws -> String? {
        guard let value = values?[key], value != .null else { return nil }
        guard case .string(let s) = value else { throw PipelineError.validation("\(key) must be a string") }
        return s
    }

    /// A list of strings (a lone string counts as a list of one), nil when absent or null.
    func stringList(_ key: String) throws -> [String]? {
        guard let value = values?[key], value != .null else { return nil }
        switch value {
        case .string(let s): return [s]
        case .array(let items):
            return try items.map {
                guard case .string(let s) = $0 else {
                    throw PipelineError.validation("\(key) must hold only strings")
                }
                return s
            }
        default: throw PipelineError.validation("\(key) must be a string or a list of strings")
        }
    }
}

/// How a request asks its inputs to be cut to the model's limit, as TEI and the Inference API's
/// feature extraction take it: `truncate` (true: cut to the task's limit; false: refuse a longer
/// input) and `truncation_direction` (`"left"` or `"right"`, either case, right by default).
struct RequestTruncation: Sendable, Equatable {
    var truncate: Bool
    var direction: TruncationParameters.Direction

    /// The parameter names this reads.
    static let parameterNames: Set<String> = ["truncate", "truncation_direction"]
}

extension TaskParameters {
    /// `truncate` and `truncation_direction`; nil when the request sent no `truncate`, so that
    /// the task keeps its own default.
    func requestTruncation() throws -> RequestTruncation? {
        var direction = TruncationParameters.Direction.right
        if let name = try string("truncation_direction") {
            switch name {
            case "left", "Left": direction = .left
            case "right", "Right": direction = .right
            default:
                throw PipelineError.validation(
                    "truncation_direction must be \"left\" or \"right\" (got \"\(name)\")")
            }
        }
        guard let truncate = try bool("truncate") else { return nil }
        return RequestTruncation(truncate: truncate, direction: direction)
    }
}

extension JSONValue {
    /// A list of token ids (`[101, 2023, 102]`), as TEI's and OpenAI's embedding routes take
    /// instead of a text; nil for anything else.
    var tokenIds: [Int]? {
        guard let ids = integerArray, !ids.isEmpty else { return nil }
        return ids
    }
}
