import Foundation
import Hummingbird
import SluiceJSON
import SluicePipelines

/// One `POST /` body, decoded: the inputs, whether the client sent a list (and so is answered
/// with a list), and the task's parameters.
///
/// Two shapes are accepted:
/// - raw UTF-8 text with any content type but JSON: one input, the whole body (the recipe's
///   `curl -X POST -d "test [MASK]"`);
/// - JSON (`application/json` or `…+json`) in the Hugging Face Inference API's shape
///   `{"inputs": …, "parameters": {…}}`, where `inputs` is one input (a string, or an object
///   for tasks with structured inputs such as `{"question", "context"}`) or a list of them;
///   `options` is accepted and ignored.
///
/// With the parameter `"is_split_into_words": true` (token classification), an input is a list
/// of words, as transformers' pipeline reads it: a list of strings is one sentence and a list
/// of such lists several; both are answered as a list.
struct InferenceRequest: Equatable {
    var inputs: [JSONValue]
    var isList: Bool
    var parameters: JSONValue?

    /// Decodes `body`; `maxInputs` bounds the length of an `inputs` list.
    init(body: ByteBuffer, contentType: String?, maxInputs: Int) throws(ServerError) {
        let bytes = body.readableBytesView
        guard Self.isValidUTF8(bytes) else {
            throw ServerError(.badRequest, "the request body is not valid UTF-8")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard Self.isJSON(contentType) else {
            self.init(inputs: [.string(text)], isList: false, parameters: nil)
            return
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(Data(bytes))
        } catch {
            throw ServerError(.badRequest, "the request body is not valid JSON: \(error)")
        }
        try self.init(document: document, maxInputs: maxInputs)
    }

    init(inputs: [JSONValue], isList: Bool, parameters: JSONValue?) {
        self.inputs = inputs
        self.isList = isList
        self.parameters = parameters
    }

    private init(document: JSONValue, maxInputs: Int) throws(ServerError) {
        guard case .object(let members) = document else {
            throw ServerError(
                .validation, #"the JSON body must be an object: {"inputs": ..., "parameters": {...}}"#)
        }
        for (key, _) in members where !["inputs", "parameters", "options"].contains(key) {
            throw ServerError(.validation, "unknown field \"\(key)\" (accepted: inputs, parameters, options)")
        }
        switch document["parameters"] {
        case nil, .null?:
            parameters = nil
        case .object?:
            parameters = document["parameters"]
        default:
            throw ServerError(.validation, "\"parameters\" must be an object")
        }
        if parameters?["is_split_into_words"] == .bool(true), case .array(let items)? = document["inputs"],
            !items.isEmpty
        {
            // `TokenClassificationPipeline.__call__`: unless every item is a list, the list is
            // one sentence's words (answered, like any list, as a list).
            let sentences =
                items.allSatisfy { if case .array = $0 { true } else { false } } ? items : [.array(items)]
            guard sentences.count <= maxInputs else {
                throw ServerError(
                    .payloadTooLarge,
                    "\"inputs\" has \(sentences.count) items; this server takes at most \(maxInputs)")
            }
            inputs = sentences
            isList = true
            return
        }
        switch document["inputs"] {
        case let input? where Self.isInput(input):
            inputs = [input]
            isList = false
        case .array(let items)?:
            guard !items.isEmpty else { throw ServerError(.validation, "\"inputs\" is an empty list") }
            guard items.count <= maxInputs else {
                throw ServerError(
                    .payloadTooLarge,
                    "\"inputs\" has \(items.count) items; this server takes at most \(maxInputs)")
            }
            if let index = items.firstIndex(where: { !Self.isInput($0) }) {
                throw ServerError(.validation, "\"inputs\"[\(index)] must be a string or an object")
            }
            inputs = items
            isList = true
        case nil:
            throw ServerError(.validation, "the JSON body has no \"inputs\"")
        default:
            throw ServerError(.validation, "\"inputs\" must be a string, an object, or a list of them")
        }
    }

    /// One input: a text, or a task's structured input.
    static func isInput(_ value: JSONValue) -> Bool {
        switch value {
        case .string, .object: return true
        default: return false
        }
    }

    /// Whether `bytes` is well-formed UTF-8 (`String(decoding:)` would repair it silently).
    static func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// `application/json`, or any `application/…+json`, with or without parameters.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = (contentType.split(separator: ";", maxSplits: 1).first ?? "")
            .trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json"
            || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}
