import SluiceJSON

/// How to pad encodings; the `padding` section of `tokenizer.json`.
public struct PaddingParameters: Sendable, Equatable {
    /// To which length an encoding is padded.
    public enum Strategy: Sendable, Equatable {
        /// To the longest encoding of the batch; a single encoding is not padded (except to
        /// `padToMultipleOf`).
        case batchLongest
        /// To exactly this many tokens (longer encodings are left as they are).
        case fixed(Int)
    }

    /// Which side receives the padding.
    public enum Direction: String, Sendable, Equatable {
        /// Padding goes before the tokens.
        case left = "Left"
        /// Padding goes after the tokens.
        case right = "Right"
    }

    /// To which length an encoding is padded.
    public var strategy: Strategy
    /// Which side receives the padding.
    public var direction: Direction
    /// If set, the padded length is rounded up to a multiple of this.
    public var padToMultipleOf: Int?
    /// The id of the padding token.
    public var padId: Int
    /// The type id given to padding tokens.
    public var padTypeId: Int
    /// The string of the padding token.
    public var padToken: String

    /// Creates padding settings; the defaults are the reference's.
    public init(
        strategy: Strategy = .batchLongest, direction: Direction = .right, padToMultipleOf: Int? = nil,
        padId: Int = 0, padTypeId: Int = 0, padToken: String = "[PAD]"
    ) {
        self.strategy = strategy
        self.direction = direction
        self.padToMultipleOf = padToMultipleOf
        self.padId = padId
        self.padTypeId = padTypeId
        self.padToken = padToken
    }

    init(json: JSONObject) throws {
        switch json["strategy"] {
        case .string("BatchLongest"), nil:
            strategy = .batchLongest
        case .object(let members) where members.contains(where: { $0.key == "Fixed" }):
            strategy = .fixed(try json.object("strategy").int("Fixed"))
        default:
            throw TokenizerError("\(json.path).strategy must be \"BatchLongest\" or {\"Fixed\": n}")
        }
        direction = try json.choice("direction", default: .right, naming: "padding direction")
        padToMultipleOf = try json.optionalInt("pad_to_multiple_of")
        padId = try json.optionalInt("pad_id") ?? 0
        padTypeId = try json.optionalInt("pad_type_id") ?? 0
        padToken = try json.optionalString("pad_token") ?? "[PAD]"
    }

    /// The length to pad to, given the longest encoding of the batch.
    func targetLength(longest: Int) -> Int {
        var length: Int
        switch strategy {
        case .batchLongest: length = longest
        case .fixed(let size): length = size
        }
        if let multiple = padToMultipleOf, multiple > 0, length % multiple > 0 {
            length += multiple - length % multiple
        }
        return length
    }
}
