import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The Hugging Face cache as huggingface_hub lays it out, so that either program reads what the
/// other wrote:
///
/// ```
/// <root>/models--org--name/refs/main                      the commit `main` named when fetched
/// <root>/models--org--name/blobs/<etag>                   each file's bytes, by its etag
/// <root>/models--org--name/blobs/<etag>.incomplete        a download in progress
/// <root>/models--org--name/snapshots/<commit>/<path>      links to ../../blobs/<etag>
/// <root>/.locks/models--org--name/<etag>.lock             held while a blob is written
/// ```
///
/// The root is `HF_HUB_CACHE`, else `HF_HOME/hub`, else `XDG_CACHE_HOME/huggingface/hub`, else
/// `~/.cache/huggingface/hub`.
public struct HubCache: Sendable {
    /// The cache's root folder.
    public let root: URL

    /// The cache the environment names.
    public init(environment: [String: String]) {
        if let hub = environment["HF_HUB_CACHE"], !hub.isEmpty {
            root = URL(fileURLWithPath: hub)
        } else {
            root = URL(fileURLWithPath: Self.home(environment)).appendingPathComponent("hub")
        }
    }

    /// A cache at `root`.
    public init(root: URL) { self.root = root }

    /// `HF_HOME`, else `XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`: where the
    /// hub cache and the saved token live.
    static func home(_ environment: [String: String]) -> String {
        if let home = environment["HF_HOME"], !home.isEmpty { return home }
        let cache =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        return cache + "/huggingface"
    }

    /// The repository's folder.
    func folder(_ id: HubModelID) -> URL { root.appendingPathComponent(id.cacheFolderName) }

    /// The snapshot folder of one commit.
    func snapshot(_ id: HubModelID, commit: String) -> URL {
        folder(id).appendingPathComponent("snapshots").appendingPathComponent(commit, isDirectory: true)
    }

    /// A blob's file.
    func blob(_ id: HubModelID, etag: String) -> URL {
        folder(id).appendingPathComponent("blobs").appendingPathComponent(etag)
    }

    /// The lock held while a blob is written.
    func lock(_ id: HubModelID, etag: String) -> URL {
        root.appendingPathComponent(".locks").appendingPathComponent(id.cacheFolderName)
            .appendingPathComponent("\(etag).lock")
    }

    /// The commit the revision names in this cache: itself for a commit hash, else what
    /// `refs/<revision>` recorded when it was last fetched.
    func commit(of id: HubModelID) -> String? {
        if id.revisionIsCommit { return id.revision }
        let ref = folder(id).appendingPathComponent("refs").appendingPathComponent(id.revision)
        guard let text = try? String(contentsOf: ref, encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }

    /// Records which commit a branch or tag named.
    func record(_ id: HubModelID, commit: String) throws {
        guard id.revision != commit else { return }
        let ref = folder(id).appendingPathComponent("refs").appendingPathComponent(id.revision)
        try FileManager.default.createDirectory(
            at: ref.deletingLastPathComponent(), withIntermediateDirectories: true)
        try atomicWrite(Data(commit.utf8), to: ref)
    }

    /// The cached snapshot of `id`'s revision, when it holds a `config.json`.
    public func cachedSnapshot(_ id: HubModelID) -> URL? {
        guard let commit = commit(of: id) else { return nil }
        let folder = snapshot(id, commit: commit)
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path)
            ? folder : nil
    }

    /// Points `snapshots/<commit>/<path>` at the blob, by a path relative to the link's folder
    /// as huggingface_hub makes them (`../../blobs/<etag>`, one `..` more per subfolder). The
    /// link is made under a name of its own and renamed over the old one, so that two downloads
    /// of one snapshot at once (two processes, or two tasks) both succeed.
    func link(_ id: HubModelID, commit: String, path: String, etag: String) throws {
        let link = snapshot(id, commit: commit).appendingPathComponent(path)
        try FileManager.default.createDirectory(
            at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        let depth = path.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth + 2) + "blobs/" + etag
        let temporary = link.deletingLastPathComponent().appendingPathComponent(
            ".\(link.lastPathComponent).\(UUID().uuidString).link")
        guard symlink(target, temporary.path) == 0, rename(temporary.path, link.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw HubError.cache("cannot link \(link.path): \(reason)")
        }
    }
}

/// Writes `data` to `url` through a temporary file renamed over it, so that no reader sees a
/// half-written file.
func atomicWrite(_ data: Data, to url: URL) throws {
    // A name of its own for every write: two downloads in one process may write one file at once.
    let temporary = url.deletingLastPathComponent().appendingPathComponent(
        ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    try data.write(to: temporary)
    guard rename(temporary.path, url.path) == 0 else {
        try? FileManager.default.removeItem(at: temporary)
        throw HubError.cache("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
}

/// An exclusive `flock` on a lock file, taken without blocking a thread: the same lock files
/// huggingface_hub's `filelock` takes, so two processes (of either program) never write one
/// blob at once.
final class FileLock {
    private let descriptor: Int32

    /// Waits until the lock at `url` is free and takes it.
    init(_ url: URL) async throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let descriptor = open(url.path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw HubError.cache("cannot open the lock \(url.path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(descriptor)
                throw HubError.cache("cannot lock \(url.path): \(String(cString: strerror(errno)))")
            }
            do { try await Task.sleep(for: .milliseconds(100)) } catch {
                close(descriptor)
                throw error
            }
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
