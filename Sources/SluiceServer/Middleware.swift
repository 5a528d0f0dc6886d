import Hummingbird
import Metrics

/// The outermost middleware: turns any error a route or the router throws into the JSON answer
/// of `ServerError` in the dialect of the request's path (so no other code builds error bodies,
/// and no error reaches the client as Hummingbird's empty 500), and counts every answer by route
/// and status. The router's 404 for a path that exists with other methods becomes 405 with
/// `Allow` (RFC 9110, 15.5.6).
struct ErrorAndMetricsMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let verboseErrors: Bool
    let metrics: ServerMetrics
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response: Response
        do {
            try Self.checkContentCoding(request, context: context)
            response = try await next(request, context)
        } catch {
            var answer = ServerError.from(error, verbose: verboseErrors)
            if let error = error as? HTTPError, error.status == .notFound {
                var allowed = routes.methods(at: request.uri.path)
                // HEAD is answered wherever GET is (HTTP1ExchangeHandler routes it as GET).
                if let get = allowed.firstIndex(of: .get) { allowed.insert(.head, at: get + 1) }
                if !allowed.isEmpty, !allowed.contains(request.method) {
                    answer = .methodNotAllowed(request.method, allowed: allowed)
                }
            }
            if answer.kind == .internal {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            response = APIDialect.of(path: request.uri.path).response(for: answer)
        }
        metrics.countRequest(route: context.endpointPath ?? "unmatched", status: response.status.code)
        return response
    }

    /// The content codings that compress (RFC 9110's and IANA's registry).
    static let compressions: Set<String> = [
        "gzip", "x-gzip", "deflate", "br", "zstd", "compress", "x-compress",
    ]

    /// Refuses a body in a content coding (`Content-Encoding: gzip`): its bytes would otherwise be
    /// read as text or JSON, and a compressed text answered as if it were one (RFC 9110, 15.5.16:
    /// 415 with `Accept-Encoding` naming what is taken).
    ///
    /// Only the compressions: clients that send a charset there by mistake
    /// (`Content-Encoding: UTF-8`) are served as TEI serves them, and a request without a body or
    /// a route (a 404) is not refused for it.
    static func checkContentCoding(_ request: Request, context: Context) throws(ServerError) {
        guard context.endpointPath != nil,
            request.headers[.contentLength].map({ $0 != "0" }) ?? request.headers.contains(.transferEncoding)
        else { return }
        let codings = request.headers[values: .contentEncoding]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { compressions.contains($0) }
        guard let coding = codings.first else { return }
        throw ServerError(
            .unsupportedMediaType,
            "the request body's Content-Encoding \(coding) is not supported: send it uncompressed")
    }
}

/// Requires `Authorization: Bearer <key>` on every route except `/health`, which load balancers
/// probe without credentials.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let key: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == "/health" { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw ServerError(.unauthorized, "missing bearer token (Authorization: Bearer <key>)")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), Self.equalInConstantTime(header.dropFirst(prefix.count), key) else {
            throw ServerError(.unauthorized, "wrong bearer token")
        }
        return try await next(request, context)
    }

    /// Compares without returning early at the first differing byte, so the time taken says
    /// nothing of how much of the key a guess got right.
    static func equalInConstantTime(_ given: Substring, _ key: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(key.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<b.count { difference |= (i < a.count ? a[i] : 0) ^ b[i] }
        return difference == 0
    }
}
