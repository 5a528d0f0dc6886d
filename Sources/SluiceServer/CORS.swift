import HTTPTypes
import Hummingbird

/// Lets pages from the allowed origins call the server from a browser (`--cors-allow-origin`):
/// a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered 204
/// with the origin, the methods, and the request headers it asked for (the OpenAI SDK's
/// `x-stainless-*` ones included); other requests from an allowed origin get
/// `Access-Control-Allow-Origin` and the timing headers exposed. A request from any other origin
/// is served as if it had none: the browser then keeps the answer from the page. Outermost, so
/// that errors (and 401s) carry the headers too and a preflight needs no API key.
struct AllowedOriginsCORS: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let origins: Set<String>
    /// `*` is listed: any origin, and answers need no `Vary: Origin`.
    let anyOrigin: Bool
    /// The response headers a page may read besides the CORS-safelisted ones.
    static let exposed = [
        "retry-after", "server-timing", "x-compute-type", "x-compute-time", "x-compute-characters",
        "x-compute-tokens", "x-total-time", "x-tokenization-time", "x-queue-time", "x-inference-time",
    ].joined(separator: ", ")

    init(origins: [String]) {
        self.origins = Set(origins)
        anyOrigin = self.origins.contains("*")
    }

    /// The `Access-Control-Allow-Origin` value for `origin`: `*` when any is allowed, the origin
    /// itself when it is listed.
    func allowed(_ origin: String) -> String? {
        if anyOrigin { return "*" }
        return origins.contains(origin) ? origin : nil
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], let allow = allowed(origin) else {
            // The answer depends on the origin unless any is allowed: caches must keep them apart.
            var response = try await next(request, context)
            if !anyOrigin { response.headers[values: .vary].append("Origin") }
            return response
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers: HTTPFields = [
                .accessControlAllowOrigin: allow, .accessControlAllowMethods: "GET, HEAD, POST, OPTIONS",
                .accessControlMaxAge: "600",
                .vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ]
            if let asked = request.headers[.accessControlRequestHeaders] {
                headers[.accessControlAllowHeaders] = asked
            }
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allow
        response.headers[.accessControlExposeHeaders] = Self.exposed
        if !anyOrigin { response.headers[values: .vary].append("Origin") }
        return response
    }
}
