import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceJSON

/// The hub's HTTP routes as huggingface_hub uses them: a revision's commit and files
/// (`/api/models/{repo}/revision/{revision}`), a file's metadata by `HEAD
/// /{repo}/resolve/{commit}/{path}` (`X-Repo-Commit`, `ETag`, and for large files
/// `X-Linked-Etag`, `X-Linked-Size` and a redirect to another host), and the file itself.
///
/// The token goes to the endpoint's host only: a redirect to another host (the hub's storage)
/// is followed without it, as `requests` and `httpx` drop it.
struct HubClient: Sendable {
    /// `HF_ENDPOINT`, `https://huggingface.co` by default.
    let endpoint: URL
    let token: String?
    let http: HTTPClient

    /// What the hub says of a revision.
    struct Revision: Sendable {
        /// The commit it names.
        let commit: String
        /// Every file's path in the repository at that commit.
        let files: [String]
    }

    /// What the hub says of one file.
    struct FileMetadata: Sendable {
        /// The commit the file was resolved at.
        let commit: String?
        /// Its blob's name: the sha256 of a large (LFS) file, the git blob id of a small one.
        let etag: String
        /// Bytes, when the hub says.
        let size: Int?
        /// Where its bytes are (the storage host's URL for a large file).
        let location: URL
        /// Whether `etag` is the content's sha256 (`X-Linked-Etag`), which the download is
        /// checked against.
        let etagIsSHA256: Bool
    }

    /// The revision's commit and files.
    func revision(_ id: HubModelID) async throws -> Revision {
        let url = try route(
            "api/models/\(id.repository)/revision/\(Self.escape(id.revision, keepingSlashes: false))")
        let response = try await send(.GET, url, id: id, what: "revision \(id.revision)")
        let body = try await response.body.collect(upTo: 64 << 20)
        let data = Data(body.readableBytesView)
        guard let json = try? JSONValue.parse(data), let commit = json["sha"]?.stringValue,
            let siblings = json["siblings"]?.arrayValue
        else {
            throw HubError.network(
                "\(endpoint.absoluteString) answered the revision of \(id) without sha and siblings")
        }
        return Revision(commit: commit, files: siblings.compactMap { $0["rfilename"]?.stringValue })
    }

    /// A file's metadata at `commit`: the `HEAD` answer, following redirects within the
    /// endpoint's host and stopping at one to another host, whose `Location` is the file.
    func metadata(_ id: HubModelID, commit: String, path: String) async throws -> FileMetadata {
        var url = try fileURL(id, revision: commit, path: path)
        for _ in 0..<10 {
            let response = try await send(.HEAD, url, id: id, what: path, followRedirects: false)
            let headers = response.headers
            if (300..<400).contains(response.status.code), let location = headers.first(name: "Location"),
                let next = URL(string: location, relativeTo: url)?.absoluteURL
            {
                if next.host == url.host && headers.first(name: "X-Linked-Etag") == nil {
                    url = next
                    continue
                }
                return try Self.fileMetadata(headers, location: next, path: path, redirected: true)
            }
            return try Self.fileMetadata(headers, location: url, path: path, redirected: false)
        }
        throw HubError.network("too many redirects for \(path) of \(id)")
    }

    private static func fileMetadata(
        _ headers: HTTPHeaders, location: URL, path: String, redirected: Bool
    ) throws -> FileMetadata {
        let linked = headers.first(name: "X-Linked-Etag")
        guard let rawEtag = linked ?? headers.first(name: "ETag") else {
            throw HubError.network("the hub sent no ETag for \(path)")
        }
        var etag = rawEtag.trimmingCharacters(in: .whitespaces)
        if etag.hasPrefix("W/") { etag.removeFirst(2) }
        etag = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard !etag.isEmpty, !etag.contains("/"), etag != ".", etag != ".." else {
            throw HubError.network("the hub sent an unusable ETag for \(path): \(rawEtag)")
        }
        let size =
            (headers.first(name: "X-Linked-Size")
            ?? (redirected ? nil : headers.first(name: "Content-Length")))
            .flatMap { Int($0) }
        return FileMetadata(
            commit: headers.first(name: "X-Repo-Commit"), etag: etag, size: size, location: location,
            etagIsSHA256: linked != nil && etag.count == 64 && etag.allSatisfy(\.isHexDigit))
    }

    /// Streams the file at `url` from byte `offset` on (a `Range` request; a server that sends
    /// the whole file anyway restarts it), following redirects, handing each chunk to `write`
    /// with whether it restarted the file.
    func download(
        _ url: URL, from offset: Int, id: HubModelID, path: String,
        write: (ByteBuffer, _ restart: Bool) throws -> Void
    ) async throws {
        var url = url
        var offset = offset
        var restarted = false
        for _ in 0..<10 {
            var headers: [(String, String)] = []
            if offset > 0 { headers.append(("Range", "bytes=\(offset)-")) }
            let response = try await send(
                .GET, url, id: id, what: path, followRedirects: false, extra: headers)
            if (300..<400).contains(response.status.code),
                let location = response.headers.first(name: "Location"),
                let next = URL(string: location, relativeTo: url)?.absoluteURL
            {
                url = next
                continue
            }
            if response.status == .rangeNotSatisfiable {
                // What was kept is not a prefix of this file: start it again.
                offset = 0
                restarted = true
                continue
            }
            var restart = restarted || (offset > 0 && response.status != .partialContent)
            for try await chunk in response.body {
                try write(chunk, restart)
                restart = false
            }
            return
        }
        throw HubError.network("too many redirects downloading \(path) of \(id)")
    }

    /// `endpoint/<path>`.
    private func route(_ path: String) throws -> URL {
        guard let url = URL(string: endpoint.absoluteString.trimmingSuffix("/") + "/" + path) else {
            throw HubError.network("cannot make a URL of \(endpoint.absoluteString) and \(path)")
        }
        return url
    }

    /// `endpoint/<repo>/resolve/<revision>/<path>`.
    func fileURL(_ id: HubModelID, revision: String, path: String) throws -> URL {
        try route(
            "\(id.repository)/resolve/\(Self.escape(revision, keepingSlashes: false))/\(Self.escape(path, keepingSlashes: true))"
        )
    }

    /// Percent-escapes a path segment as Python's `quote(…, safe="")` (or `safe="/"`).
    static func escape(_ text: String, keepingSlashes: Bool) -> String {
        var allowed = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")
        if keepingSlashes { allowed.insert("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// One request; an answer outside 2xx (and 3xx when redirects are the caller's) becomes the
    /// error the hub's `X-Error-Code` names.
    private func send(
        _ method: HTTPMethod, _ url: URL, id: HubModelID, what: String, followRedirects: Bool = true,
        extra: [(String, String)] = []
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "User-Agent", value: "sluice; hf_hub")
        // As huggingface_hub: sizes and bytes as stored, never a compressed encoding.
        request.headers.add(name: "Accept-Encoding", value: "identity")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let token, url.host == endpoint.host, url.port == endpoint.port {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: .now() + .hours(24))
        } catch {
            throw HubError.network(
                "cannot reach \(url.host ?? endpoint.absoluteString) for \(what) of \(id): \(error); "
                    + "check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache only")
        }
        let code = response.status.code
        if (200..<300).contains(code) || (!followRedirects && (300..<400).contains(code)) || code == 416 {
            return response
        }
        throw Self.failure(response, id: id, what: what, hasToken: token != nil, endpoint: endpoint)
    }

    /// The error for an answer the hub refused with, from its `X-Error-Code` and status.
    static func failure(
        _ response: HTTPClientResponse, id: HubModelID, what: String, hasToken: Bool, endpoint: URL
    ) -> HubError {
        let code = response.headers.first(name: "X-Error-Code") ?? ""
        let status = response.status.code
        let tokenAdvice = "set HF_TOKEN, pass --hf-token, or log in with `hf auth login`"
        switch (code, status) {
        case ("GatedRepo", _):
            return .gated(
                "\(id.repository) is gated: accept its terms on \(endpoint.absoluteString)/\(id.repository) with your account, then "
                    + (hasToken ? "use a token of that account" : tokenAdvice))
        case ("RevisionNotFound", _):
            return .revisionNotFound(
                "\(id.repository) has no revision \"\(id.revision)\": name an existing branch, tag or commit")
        case ("EntryNotFound", _):
            return .notFound("\(id.repository) has no file \(what) at \(id.revision)")
        case ("RepoNotFound", _), (_, 404):
            return .notFound(
                "\(id.repository) was not found on \(endpoint.absoluteString)"
                    + (hasToken ? " (or your token cannot see it)" : "; if it is private, \(tokenAdvice)"))
        case (_, 401), (_, 403):
            return hasToken
                ? .unauthorized(
                    "the hub refused the token for \(id.repository) (\(status)): check it or its access")
                : .notFound(
                    "\(id.repository) was not found on \(endpoint.absoluteString) (\(status)); if it is private or gated, \(tokenAdvice)"
                )
        default:
            return .network(
                "\(endpoint.absoluteString) answered \(status) for \(what) of \(id); try again later, or set HF_HUB_OFFLINE=1 to use the cache only"
            )
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: Character) -> String {
        var text = self
        while text.last == suffix { text.removeLast() }
        return text
    }
}
