import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SluiceJSON

/// A hub id to a model folder in the Hugging Face cache: the cached snapshot when it is
/// complete, else the files the model needs fetched into the cache as huggingface_hub would
/// (`HubCache`), each large file's SHA-256 checked against the hub's `X-Linked-Etag` before it
/// enters the cache, an interrupted download resumed from its `.incomplete` file.
///
/// ```swift
/// let downloader = HubDownloader(environment: ProcessInfo.processInfo.environment, token: nil,
///                                progress: automaticProgress(logger: logger), logger: logger)
/// let folder = try await downloader.folder(for: HubModelID("BAAI/bge-small-en-v1.5")!)
/// ```
///
/// `HF_HUB_OFFLINE=1` never touches the network; when the hub cannot be reached, a cached
/// snapshot of the revision is used as it is, as huggingface_hub does.
public struct HubDownloader: Sendable {
    /// The cache written and read.
    public let cache: HubCache
    let endpoint: URL
    let token: String?
    let offline: Bool
    let progress: any DownloadProgress
    let logger: Logger

    /// Settings from the environment (`HF_HUB_CACHE`, `HF_HOME`, `HF_ENDPOINT`,
    /// `HF_HUB_OFFLINE`), the token given, else `HF_TOKEN`, else the file huggingface_hub
    /// saves (`HF_TOKEN_PATH`, else `HF_HOME/token`).
    public init(
        environment: [String: String], token: String?, progress: any DownloadProgress, logger: Logger
    ) {
        cache = HubCache(environment: environment)
        let endpoint =
            environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        self.endpoint = URL(string: endpoint) ?? URL(string: "https://huggingface.co")!
        self.token = Self.token(given: token, environment: environment)
        offline = ["1", "on", "yes", "true"].contains((environment["HF_HUB_OFFLINE"] ?? "").lowercased())
        self.progress = progress
        self.logger = logger
    }

    static func token(given: String?, environment: [String: String]) -> String? {
        func clean(_ text: String?) -> String? {
            let token = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return token.isEmpty ? nil : token
        }
        if let token = clean(given) ?? clean(environment["HF_TOKEN"]) { return token }
        let path = environment["HF_TOKEN_PATH"] ?? HubCache.home(environment) + "/token"
        return clean(try? String(contentsOfFile: path, encoding: .utf8))
    }

    /// The model's folder: the snapshot of its revision, fetched into the cache where needed.
    public func folder(for id: HubModelID) async throws -> URL {
        if offline {
            guard let cached = cache.cachedSnapshot(id) else {
                throw HubError.offline(
                    "HF_HUB_OFFLINE is set and \(id) is not in the cache at \(cache.root.path); unset it to download, or fetch the model first"
                )
            }
            return cached
        }
        let http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            let folder = try await fetch(id, client: HubClient(endpoint: endpoint, token: token, http: http))
            try await http.shutdown()
            return folder
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func fetch(_ id: HubModelID, client: HubClient) async throws -> URL {
        let revision: HubClient.Revision
        do {
            revision = try await client.revision(id)
        } catch let error as HubError {
            // As huggingface_hub: without the hub, a snapshot already cached serves.
            if case .network = error, let cached = cache.cachedSnapshot(id) {
                logger.warning(
                    "the hub cannot be reached; using the cached snapshot",
                    metadata: ["model": "\(id)", "folder": "\(cached.path)", "error": "\(error)"])
                return cached
            }
            throw error
        }
        let commit = revision.commit
        let files = Set(revision.files)
        let (settings, weights) = ModelFiles.firstPass(files)
        guard settings.contains("config.json") else {
            throw HubError.unusable(
                "\(id) has no config.json at \(id.revision): it is not a transformers model")
        }
        guard let weights else {
            throw HubError.unusable(
                "\(id) has no model.safetensors or pytorch_model.bin (nor their sharded indexes) at \(id.revision)"
            )
        }
        let snapshot = cache.snapshot(id, commit: commit)
        for path in settings + [weights] {
            try await ensure(path, of: id, commit: commit, client: client)
        }
        if weights.hasSuffix(".index.json") {
            let index = try JSONValue.parse(Data(contentsOf: snapshot.appendingPathComponent(weights)))
            let shards = ModelFiles.shards(index: index)
            guard !shards.isEmpty else { throw HubError.unusable("\(id): \(weights) names no shards") }
            for shard in shards {
                guard files.contains(shard) else {
                    throw HubError.unusable(
                        "\(id): \(weights) names \(shard), which the repository does not have")
                }
                try await ensure(shard, of: id, commit: commit, client: client)
            }
        }
        if settings.contains("modules.json") {
            let modules = try JSONValue.parse(
                Data(contentsOf: snapshot.appendingPathComponent("modules.json")))
            for path in ModelFiles.moduleFiles(revision.files, modules: modules) {
                try await ensure(path, of: id, commit: commit, client: client)
            }
        }
        try cache.record(id, commit: commit)
        return snapshot
    }

    /// One file in the snapshot: linked to its blob, which is downloaded first when missing.
    private func ensure(_ path: String, of id: HubModelID, commit: String, client: HubClient) async throws {
        let link = cache.snapshot(id, commit: commit).appendingPathComponent(path)
        if FileManager.default.fileExists(atPath: link.path) { return }  // follows the link
        let file = try await client.metadata(id, commit: commit, path: path)
        let blob = cache.blob(id, etag: file.etag)
        if !FileManager.default.fileExists(atPath: blob.path) {
            let lock = try await FileLock(cache.lock(id, etag: file.etag))
            // Another process may have written it while this one waited.
            if !FileManager.default.fileExists(atPath: blob.path) {
                try await download(file, path: path, id: id, into: blob, client: client)
            }
            withExtendedLifetime(lock) {}
        }
        try cache.link(id, commit: commit, path: path, etag: file.etag)
    }

    /// The file's bytes into `blob` by way of `blob.incomplete`, resuming what an earlier
    /// attempt left there; a dropped connection is retried (resuming) up to four times.
    private func download(
        _ file: HubClient.FileMetadata, path: String, id: HubModelID, into blob: URL, client: HubClient
    ) async throws {
        let fm = FileManager.default
        try fm.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = URL(fileURLWithPath: blob.path + ".incomplete")
        let start = Date()
        var attempt = 0
        while true {
            if !fm.fileExists(atPath: partial.path) { _ = fm.createFile(atPath: partial.path, contents: nil) }
            let offset = (try? fm.attributesOfItem(atPath: partial.path)[.size] as? Int) ?? 0
            if let size = file.size, offset > size { try Data().write(to: partial) }
            progress.started(path, bytes: file.size, offset: offset)
            do {
                try await receive(
                    file.location, from: offset, into: partial, id: id, path: path, client: client)
                break
            } catch let error as HubError {
                // Stopped on purpose (the server is shutting down): no retry; the bytes so far stay.
                if Task.isCancelled { throw CancellationError() }
                guard case .network = error, attempt < 4 else { throw error }
                attempt += 1
                logger.warning(
                    "download interrupted; resuming",
                    metadata: ["file": "\(path)", "attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: .milliseconds(500 * attempt))
            }
        }
        let received = (try? fm.attributesOfItem(atPath: partial.path)[.size] as? Int) ?? 0
        if let size = file.size, received != size {
            throw HubError.network(
                "\(path) of \(id): received \(received) bytes of \(size); run again to resume")
        }
        if file.etagIsSHA256 {
            let digest = try sha256Hex(of: partial)
            guard digest == file.etag.lowercased() else {
                try? fm.removeItem(at: partial)
                throw HubError.integrity(
                    "\(path) of \(id) is corrupt: its SHA-256 is \(digest), the hub says \(file.etag); nothing was kept, run again to download it anew"
                )
            }
        }
        guard rename(partial.path, blob.path) == 0 else {
            throw HubError.cache(
                "cannot move \(partial.path) into place: \(String(cString: strerror(errno)))")
        }
        progress.finished(path, bytes: received, seconds: Date().timeIntervalSince(start))
    }

    /// Appends the bytes from `offset` on to `partial` (rewriting it when the server restarts
    /// the file).
    private func receive(
        _ location: URL, from offset: Int, into partial: URL, id: HubModelID, path: String, client: HubClient
    ) async throws {
        guard let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw HubError.cache("cannot write \(partial.path)")
        }
        defer { try? handle.close() }
        var received = offset
        try handle.seekToEnd()
        do {
            try await client.download(location, from: offset, id: id, path: path) { chunk, restart in
                if restart {
                    try handle.truncate(atOffset: 0)
                    received = 0
                }
                try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: Data($0)) }
                received += chunk.readableBytes
                progress.advanced(path, received: received)
            }
        } catch let error as HubError {
            throw error
        } catch  where Task.isCancelled {
            // Stopped on purpose (the server is shutting down): no retry; the bytes so far stay.
            throw CancellationError()
        } catch {
            throw HubError.network("\(path) of \(id): the transfer broke off (\(error))")
        }
    }
}
