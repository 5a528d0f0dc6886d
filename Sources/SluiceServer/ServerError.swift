import Foundation
import Hummingbird
import SluiceJSON
import SluicePipelines
import SluiceScheduler

/// The one error type of the HTTP layer: every failure a client can see becomes one of these,
/// and only this type turns into a status code and a JSON body (DESIGN.md, "Errors").
///
/// The body is always `{"error": "<message>", "error_type": "<kind>"}`; a 503 also carries
/// `Retry-After`. Internal failures say nothing of internals unless verbose errors are on.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// The kinds of DESIGN.md's table, plus the router's own 404 and 405.
    public enum Kind: String, Sendable {
        case badRequest = "bad_request"
        case unauthorized
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case payloadTooLarge = "payload_too_large"
        /// The body is in a content coding the server does not decode (`Content-Encoding: gzip`).
        case unsupportedMediaType = "unsupported_media_type"
        case validation
        /// The served model cannot answer the route (an embedding route on a classifier).
        case unsupported
        case overloaded
        case timeout
        /// The client did not send its whole request within the read timeout.
        case requestTimeout = "request_timeout"
        /// The request line and headers are over the HTTP decoder's limit.
        case headersTooLarge = "headers_too_large"
        case clientClosedRequest = "client_closed_request"
        case `internal`

        /// The HTTP status of this kind.
        public var status: HTTPResponse.Status {
            switch self {
            case .badRequest: return .badRequest
            case .unauthorized: return .unauthorized
            case .notFound: return .notFound
            case .methodNotAllowed: return .methodNotAllowed
            case .payloadTooLarge: return .contentTooLarge
            case .unsupportedMediaType: return .unsupportedMediaType
            case .validation, .unsupported: return .unprocessableContent
            case .overloaded: return .serviceUnavailable
            case .timeout: return .gatewayTimeout
            case .requestTimeout: return .requestTimeout
            case .headersTooLarge: return .requestHeaderFieldsTooLarge
            // nginx's code: nobody reads it, but logs and metrics tell it from a server failure.
            case .clientClosedRequest:
                return HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
            case .internal: return .internalServerError
            }
        }
    }

    /// The category, which fixes the status.
    public var kind: Kind
    /// The message for a human.
    public var message: String
    /// Seconds for `Retry-After` (503 only).
    public var retryAfterSeconds: Int?
    /// What some dialects tell apart within a kind (see `Detail`).
    public var detail: Detail?
    /// The value of `Allow`: the methods the route takes (405 only).
    public var allow: String?

    /// Finer causes that some API dialects answer with their own status or type.
    public enum Detail: Sendable {
        /// A 503 because the queue is full (TEI answers 429), not because the model is loading
        /// or the server draining.
        case queueFull
        /// A validation error because an input is empty (TEI answers 400 `Empty`).
        case emptyInput
        /// A 404 for a model name this server does not serve (OpenAI's `model_not_found`).
        case unknownModel
    }

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String, retryAfterSeconds: Int? = nil, detail: Detail? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The JSON body, in the same compact form as the pipeline outputs.
    var body: String {
        JSONValue.object([("error", .string(message)), ("error_type", .string(kind.rawValue))]).pythonJSON
    }

    /// The answer's headers in every dialect: JSON, and what the kind tells the client to do
    /// (`Retry-After` for a 503, `Allow` for a 405, `Accept-Encoding: identity` for a 415).
    var headers: HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if let allow { headers[.allow] = allow }
        if kind == .unsupportedMediaType { headers[.acceptEncoding] = "identity" }
        return headers
    }

    /// The complete HTTP answer.
    func response() -> Response {
        Response(
            status: kind.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A 405 for `method` on a route that takes only `allowed`, which `Allow` lists.
    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> ServerError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var error = ServerError(
            .methodNotAllowed, "method \(method.rawValue) is not allowed on this route (allowed: \(list))")
        error.allow = list
        return error
    }
}

extension ServerError {
    /// The answer for a job the scheduler did not compute, or whose batch failed.
    init(_ error: SchedulerError, verbose: Bool) {
        switch error {
        case .overloaded(let seconds):
            self.init(
                .overloaded, "the server is overloaded: the queue is full", retryAfterSeconds: max(seconds, 1)
            )
            detail = .queueFull
        case .shuttingDown:
            self.init(.overloaded, "the server is shutting down", retryAfterSeconds: 1)
        case .timedOut:
            self.init(.timeout, "the request timed out before its result was ready")
        case .cancelled:
            self.init(.clientClosedRequest, "the client closed the connection")
        case .forwardFailed(let underlying):
            self = .internalError(underlying, verbose: verbose)
        }
    }

    /// The answer for any error: `ServerError` as is, a pipeline's error by its kind, and the
    /// router's and body reader's own HTTP errors by their status; anything else is internal.
    static func from(_ error: any Error, verbose: Bool) -> ServerError {
        switch error {
        case let error as ServerError:
            return error
        case let error as SchedulerError:
            return ServerError(error, verbose: verbose)
        case let error as PipelineError where error.kind == .validation:
            return ServerError(.validation, error.message)
        case let error as HTTPError:
            return fromHTTPError(error, verbose: verbose)
        case is CancellationError:
            return ServerError(.clientClosedRequest, "the request was cancelled")
        default:
            return .internalError(error, verbose: verbose)
        }
    }

    private static func fromHTTPError(_ error: HTTPError, verbose: Bool) -> ServerError {
        switch error.status {
        case .notFound: return ServerError(.notFound, "no such route")
        case .methodNotAllowed: return ServerError(.methodNotAllowed, "method not allowed on this route")
        case .contentTooLarge: return ServerError(.payloadTooLarge, "the request body is too large")
        case .badRequest: return ServerError(.badRequest, error.body ?? "bad request")
        case .unauthorized: return ServerError(.unauthorized, error.body ?? "unauthorized")
        default: return .internalError(error, verbose: verbose)
        }
    }

    /// A 500 whose message names the failure only when the operator asked for verbose errors.
    static func internalError(_ error: any Error, verbose: Bool) -> ServerError {
        ServerError(.internal, verbose ? "internal error: \(error)" : "internal error")
    }
}

/// Lets Hummingbird answer a `ServerError` that escapes a route with the same status and body.
extension ServerError: HTTPResponseError {
    public var status: HTTPResponse.Status { kind.status }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }
}
