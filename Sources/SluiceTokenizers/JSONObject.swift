import Foundation
import SluiceJSON

/// A JSON object together with its path in the file, so that every lookup error names the field.
struct JSONObject: Sendable {
    let members: [(key: String, value: JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard case .object(let members) = value else {
            throw TokenizerError("\(path) must be a JSON object")
        }
        self.members = members
        self.path = path
    }

    /// The member's value (the last one if the key repeats, as serde does); `nil` if absent
    /// or `null`.
    subscript(key: String) -> JSONValue? {
        for member in members.reversed() where member.key.utf8.elementsEqual(key.utf8) {
            return member.value.isNull ? nil : member.value
        }
        return nil
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let string) = value else {
            throw TokenizerError("\(path).\(key) must be a string")
        }
        return string
    }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        try optionalBool(key) ?? defaultValue
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let bool) = value else {
            throw TokenizerError("\(path).\(key) must be true or false")
        }
        return bool
    }

    func int(_ key: String) throws -> Int {
        guard let value = try optionalInt(key) else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        return value
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = self[key] else { return nil }
        guard let int = value.nonNegativeInt else {
            throw TokenizerError("\(path).\(key) must be a non-negative integer")
        }
        return int
    }

    /// The case of `Choice` a string member names by its raw value, `fallback` when absent; an
    /// unknown name is an error that says what kind of name it is (`"padding direction"`).
    func choice<Choice: RawRepresentable<String>>(
        _ key: String, default fallback: Choice, naming kind: String
    ) throws -> Choice {
        let name = try optionalString(key) ?? fallback.rawValue
        guard let choice = Choice(rawValue: name) else {
            throw TokenizerError("\(path).\(key): unknown \(kind) \"\(name)\"")
        }
        return choice
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let value = self[key] else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        guard case .array(let array) = value else {
            throw TokenizerError("\(path).\(key) must be an array")
        }
        return array
    }

    func object(_ key: String) throws -> JSONObject {
        guard let value = self[key] else {
            throw TokenizerError("\(path).\(key) is missing")
        }
        return try JSONObject(value, path: "\(path).\(key)")
    }

    /// A `{token: id}` vocabulary, as WordPiece, BPE and WordLevel store theirs; a token written
    /// twice keeps its last id, as serde's map does.
    func vocabulary(_ key: String) throws -> [ExactString: Int] {
        let members = try object(key)
        var vocabulary = [ExactString: Int](minimumCapacity: members.members.count)
        for (token, value) in members.members {
            guard let id = value.nonNegativeInt else {
                throw TokenizerError("\(members.path)[\"\(token)\"] must be a non-negative integer id")
            }
            vocabulary[ExactString(token)] = id
        }
        return vocabulary
    }

    /// The components a `Sequence` lists under `key`, each built by `make` from its value and
    /// its path under `path`.
    func components<Component>(
        _ key: String, path: String, _ make: (JSONValue, _ path: String) throws -> Component
    ) throws -> [Component] {
        try array(key).enumerated().map { index, item in try make(item, "\(path).\(key)[\(index)]") }
    }

    /// The `type` field that tags every component in `tokenizer.json`.
    func type() throws -> String {
        try string("type")
    }
}

/// Builds the component of one family (normalizers, pre-tokenizers, decoders,
/// post-processors) that a tagged `tokenizer.json` section describes. `make` builds the types
/// the family has, nil for any other; a `"Sequence"` lists its parts under `sequence.key`, each
/// built the same way, and `sequence.combine` chains them. Any other type is refused as an
/// unsupported `section` type.
func makeComponent<Component>(
    _ value: JSONValue, path: String, section: String,
    sequence: (key: String, combine: ([Component]) -> Component),
    _ make: (_ type: String, _ json: JSONObject) throws -> Component?
) throws -> Component {
    let json = try JSONObject(value, path: path)
    let type = try json.type()
    if type == "Sequence" {
        return sequence.combine(
            try json.components(sequence.key, path: path) { item, itemPath in
                try makeComponent(item, path: itemPath, section: section, sequence: sequence, make)
            })
    }
    guard let component = try make(type, json) else {
        throw TokenizerError("\(path): unsupported \(section) type \"\(type)\"")
    }
    return component
}

extension JSONValue {
    /// `tokenizer.json`'s parser reads file fields written as numbers.
    static func parse(_ data: Data, source: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(data, options: .tokenizers)
        } catch {
            throw TokenizerError("\(source) is not valid JSON: \(error)")
        }
    }

    /// An id or a count: an integral number that is not negative.
    var nonNegativeInt: Int? {
        guard let value = integralValue, value >= 0 else { return nil }
        return value
    }
}
