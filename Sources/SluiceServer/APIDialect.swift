import HTTPTypes
import Hummingbird
import SluiceJSON

/// The API dialects Sluice speaks, each with its own routes and its own error bodies and status
/// codes, so that each dialect's clients read Sluice's errors as they read their own server's.
/// Which dialect a request speaks is decided by its path alone, so that errors raised before
/// any route runs (an unknown route, a missing API key) come in the dialect too.
enum APIDialect: Sendable {
    /// `POST /`, `/health`, `/info`, `/metrics`: DESIGN.md's `{"error", "error_type"}`.
    case native
    /// text-embeddings-inference's routes: `{"error", "error_type"}` with TEI's capitalised types
    /// and TEI's status codes (422 validation, 424 a route the model cannot answer, 429 a full
    /// queue).
    case tei
    /// OpenAI's routes: `{"error": {"message", "type", "param", "code"}}`.
    case openAI
    /// KServe's Open Inference Protocol v2 and v1: `{"error": "..."}`.
    case kserve

    /// The dialect of a request path.
    static func of(path: String) -> APIDialect {
        if teiPaths.contains(path) { return .tei }
        // A TEI route of a model by name: `/models/{name}/embed`.
        if path.hasPrefix("/models/"), let last = path.split(separator: "/").last,
            teiPaths.contains("/" + last)
        {
            return .tei
        }
        if path == "/v1/embeddings" || path == "/v1/rerank" || path == "/v2/rerank" || path == "/v1/models" {
            return .openAI
        }
        if path.hasPrefix("/v1/models/") {
            // `/v1/models/{name}:predict` is KServe v1; `GET /v1/models/{name}` serves both.
            return path.hasSuffix(":predict") ? .kserve : .openAI
        }
        if path == "/v2" || path.hasPrefix("/v2/") { return .kserve }
        return .native
    }

    private static let teiPaths: Set<String> = [
        "/embed", "/embed_all", "/embed_sparse", "/predict", "/rerank", "/similarity", "/tokenize", "/decode",
    ]

    /// The complete HTTP answer for `error` in this dialect.
    func response(for error: ServerError) -> Response {
        var headers = error.headers
        let (status, body) = statusAndBody(error)
        if self == .openAI && status.code >= 500 && error.kind == .internal {
            // The openai SDK retries a 5xx twice unless told not to; a failed batch would fail again.
            headers[HTTPField.Name("x-should-retry")!] = "false"
        }
        return Response(
            status: status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.pythonJSONBytes)))
    }

    private func statusAndBody(_ error: ServerError) -> (HTTPResponse.Status, JSONValue) {
        switch self {
        case .native:
            return (
                error.kind.status,
                .object([("error", .string(error.message)), ("error_type", .string(error.kind.rawValue))])
            )
        case .tei:
            let (status, type) = Self.teiStatusAndType(error)
            return (status, .object([("error", .string(error.message)), ("error_type", .string(type))]))
        case .openAI:
            // OpenAI's error object, which the openai SDK reads, and beside it the flat fields
            // TEI's OpenAI route documents (`message`, `code`, `error_type`).
            let (status, type, code) = Self.openAIStatusTypeAndCode(error)
            return (
                status,
                .object([
                    (
                        "error",
                        .object([
                            ("message", .string(error.message)), ("type", .string(type)),
                            ("param", error.detail == .unknownModel ? .string("model") : .null),
                            ("code", code.map(JSONValue.string) ?? .null),
                        ])
                    ),
                    ("message", .string(error.message)), ("code", .int(status.code)),
                    ("error_type", .string(Self.teiStatusAndType(error).1)),
                ])
            )
        case .kserve:
            let status: HTTPResponse.Status =
                switch error.kind {
                case .validation, .unsupported: .badRequest
                default: error.kind.status
                }
            return (status, .object([("error", .string(error.message))]))
        }
    }

    /// TEI's `ErrorType` and status for each kind (TEI 1.9: Empty 400, Validation 422, Backend
    /// 424, Overloaded 429, Unhealthy 503).
    private static func teiStatusAndType(_ error: ServerError) -> (HTTPResponse.Status, String) {
        switch error.kind {
        case .validation where error.detail == .emptyInput: return (.badRequest, "Empty")
        case .validation, .badRequest, .payloadTooLarge, .notFound, .methodNotAllowed, .unauthorized,
            .requestTimeout, .headersTooLarge, .unsupportedMediaType:
            return (error.kind.status, "Validation")
        case .unsupported, .internal:
            return (HTTPResponse.Status(code: 424, reasonPhrase: "Failed Dependency"), "Backend")
        case .overloaded where error.detail == .queueFull: return (.tooManyRequests, "Overloaded")
        case .overloaded: return (.serviceUnavailable, "Unhealthy")
        case .timeout, .clientClosedRequest: return (error.kind.status, "Overloaded")
        }
    }

    /// OpenAI's status, `type` and `code`: 400 `invalid_request_error` for anything the request
    /// got wrong, 404 `model_not_found`, 401 `invalid_api_key`, 5xx `server_error`.
    private static func openAIStatusTypeAndCode(
        _ error: ServerError
    ) -> (HTTPResponse.Status, String, String?) {
        switch error.kind {
        case .notFound where error.detail == .unknownModel:
            return (.notFound, "invalid_request_error", "model_not_found")
        case .validation where error.detail == .unknownModel:
            return (.badRequest, "invalid_request_error", "model_not_found")
        case .badRequest, .validation, .unsupported: return (.badRequest, "invalid_request_error", nil)
        case .unauthorized: return (.unauthorized, "invalid_request_error", "invalid_api_key")
        case .notFound, .methodNotAllowed, .payloadTooLarge, .requestTimeout, .headersTooLarge,
            .unsupportedMediaType:
            return (error.kind.status, "invalid_request_error", nil)
        case .overloaded, .timeout, .clientClosedRequest, .internal:
            return (error.kind.status, "server_error", nil)
        }
    }
}
