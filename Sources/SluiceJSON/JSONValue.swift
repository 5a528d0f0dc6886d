/// A JSON value as every part of Sluice reads and writes it: objects keep their members in
/// file order with keys exactly as written, and integers stay apart from floats.
///
/// Keys are compared by their exact UTF-8 (as Python and serde compare them), never by Swift's
/// canonical equivalence: real vocabularies hold both "é" and "e\u{301}".
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written without a fraction or exponent that fits in `Int`.
    case int(Int)
    /// Any other number (a float, or an integer past `Int`'s range).
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// Members in order. Duplicate keys are kept or merged as the parse options say; lookups
    /// find the last member with the key.
    case object([(key: String, value: JSONValue)])

    /// The member named `key` (the last one if the key repeats) when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members.reversed() where member.key.utf8.elementsEqual(key.utf8) {
            return member.value
        }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The text of a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// An integer, or also an integral float such as `2.0` (Python would refuse it where it
    /// checks for an `int`; callers that need that strictness match `.int`).
    public var integralValue: Int? {
        switch self {
        case .int(let value): return value
        case .number(let value) where value == value.rounded() && abs(value) < 9.0e15: return Int(value)
        default: return nil
        }
    }

    /// Any number, as a `Double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }

    /// The elements of an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The elements of an array whose every element is an integer (`[]` for an empty array).
    public var integerArray: [Int]? {
        guard case .array(let items) = self else { return nil }
        var integers: [Int] = []
        integers.reserveCapacity(items.count)
        for item in items {
            guard case .int(let value) = item else { return nil }
            integers.append(value)
        }
        return integers
    }

    /// The members of an object.
    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// A short name of the value's kind, for error messages ("a string", "an object").
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Equal kinds and values, members compared in order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}
