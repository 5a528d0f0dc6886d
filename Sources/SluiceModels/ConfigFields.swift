import SluiceJSON

/// Typed reads of the `config.json` fields only one family's file reads (ModernBERT's rotary
/// bases, Qwen3's sliding window), as its configuration class reads them: an absent or null
/// field takes the class's default, and a value of the wrong type is refused naming the field
/// and the file.
struct ConfigFields {
    let json: JSONValue
    /// The file, for messages.
    let path: String

    /// `key` as true or false.
    func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let value = json[key], !value.isNull else { return fallback }
        guard let flag = value.boolValue else {
            throw ModelError("\(path): \(key) must be true or false, found \(value.pythonJSON)")
        }
        return flag
    }

    /// `key` as an integer.
    func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let value = json[key], !value.isNull else { return fallback }
        guard let number = value.integralValue else {
            throw ModelError("\(path): \(key) must be an integer, found \(value.pythonJSON)")
        }
        return number
    }

    /// `value` (named `name` in messages) as a positive number.
    func positive(_ value: JSONValue?, _ fallback: Double, _ name: String) throws -> Double {
        guard let value, !value.isNull else { return fallback }
        guard let number = value.doubleValue, number > 0 else {
            throw ModelError("\(path): \(name) must be a positive number, found \(value.pythonJSON)")
        }
        return number
    }

    /// Refuses rotary `parameters` (`rope_scaling`, `rope_parameters`, named `name`) of a kind
    /// other than transformers' `default` (linear, dynamic, YaRN, … scaling).
    func checkRotaryKind(_ parameters: JSONValue?, _ name: String) throws {
        guard let parameters, !parameters.isNull else { return }
        let kind = parameters["rope_type"]?.stringValue ?? parameters["type"]?.stringValue ?? "default"
        guard kind == "default" else {
            throw ModelError("\(path): \(name) rope_type \"\(kind)\" is not supported (supported: default)")
        }
    }

    /// `layer_types` when the file has it: per layer, `full_attention` (true) or
    /// `sliding_attention` (false); nil when it has none.
    func layerTypes(layers: Int) throws -> [Bool]? {
        guard let types = json["layer_types"], !types.isNull else { return nil }
        guard let names = types.arrayValue?.map(\.stringValue), names.count == layers else {
            throw ModelError("\(path): layer_types must list \(layers) layer types")
        }
        return try names.map { name in
            switch name {
            case "full_attention": return true
            case "sliding_attention": return false
            default:
                throw ModelError(
                    "\(path): layer type \(name.map { "\"\($0)\"" } ?? "null") is not supported (supported: full_attention, sliding_attention)"
                )
            }
        }
    }
}
