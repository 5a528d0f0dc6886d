import Hummingbird
import SluiceJSON
import SluicePipelines

/// One `POST /` body, decoded: what the client sent as `inputs` and the task's parameters.
///
/// Two shapes are accepted:
/// - raw UTF-8 text with any content type but JSON: one input, the whole body (the recipe's
///   `curl -X POST -d "test [MASK]"`);
/// - JSON (`application/json` or `…+json`) in the Hugging Face Inference API's shape
///   `{"inputs": …, "parameters": {…}}`; `options` is accepted and ignored. How `inputs` splits
///   into items (one input, or a list answered as a list) is the task's to say
///   (`ServablePipeline.items(of:parameters:)`).
struct InferenceRequest {
    enum Inputs {
        /// A raw text body: one input.
        case text(String)
        /// The JSON body's `inputs`.
        case json(JSONValue)
    }

    var inputs: Inputs
    var parameters: TaskParameters
    /// The request's `priority` (lower is more urgent, 0 by default; see `Scheduler.submit`).
    var priority = 0

    /// Decodes `body`.
    init(body: ByteBuffer, contentType: String?) throws(ServerError) {
        let bytes = body.readableBytesView
        guard Self.isValidUTF8(bytes) else {
            throw ServerError(.badRequest, "the request body is not valid UTF-8")
        }
        guard Self.isJSON(contentType) else {
            inputs = .text(String(decoding: bytes, as: UTF8.self))
            parameters = .none
            return
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw ServerError(.badRequest, "the request body is not valid JSON: \(error)")
        }
        guard case .object(let members) = document else {
            throw ServerError(
                .validation, #"the JSON body must be an object: {"inputs": ..., "parameters": {...}}"#)
        }
        // The Inference API's feature extraction sends its parameters at the root, beside
        // `inputs` (huggingface_hub's `feature_extraction(normalize=..., truncate=...)`).
        var rootParameters: [(key: String, value: JSONValue)] = []
        if let value = document["priority"], value != .null {
            guard case .int(let priority) = value else {
                throw ServerError(.validation, "\"priority\" must be an integer")
            }
            self.priority = priority
        }
        for (key, value) in members where !["inputs", "parameters", "options", "priority"].contains(key) {
            guard Self.rootParameterNames.contains(key) else {
                throw ServerError(
                    .validation,
                    "unknown field \"\(key)\" (accepted: inputs, parameters, options, priority, and feature extraction's \(Self.rootParameterNames.sorted().joined(separator: ", ")))"
                )
            }
            rootParameters.append((key, value))
        }
        var parameterObject = document["parameters"]
        if !rootParameters.isEmpty {
            var merged = parameterObject?.objectMembers ?? []
            if let clash = rootParameters.first(where: { root in merged.contains { $0.key == root.key } }) {
                throw ServerError(
                    .validation, "\"\(clash.key)\" is given both at the root and in \"parameters\"")
            }
            merged += rootParameters
            parameterObject = .object(merged)
        }
        do {
            parameters = try TaskParameters(parameterObject)
        } catch {
            throw ServerError.from(error, verbose: false)
        }
        guard let inputs = document["inputs"] else {
            throw ServerError(.validation, "the JSON body has no \"inputs\"")
        }
        self.inputs = .json(inputs)
    }

    /// The parameters feature extraction may send beside `inputs` rather than in `parameters`.
    static let rootParameterNames: Set<String> = [
        "normalize", "prompt_name", "truncate", "truncation_direction",
    ]

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
