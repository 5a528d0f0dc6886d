import ArgumentParser
import Foundation
import Logging
import SluiceHub
import SluiceServer
import Synchronization

/// What `--model` names: a folder on disk, or a hub id (`org/name`, `org/name@revision`) whose
/// folder is the Hugging Face cache's snapshot, downloaded first where the cache lacks it.
enum ModelSource: Sendable {
    case folder(String)
    case hub(HubModelID)

    /// A folder when `model` exists on disk, else a hub id at `revision` (or the one after `@`).
    init(_ model: String, revision: String?) throws {
        if FileManager.default.fileExists(atPath: model) {
            guard revision == nil else {
                throw ModelSourceError("--revision names a revision of a hub id; \(model) is a folder")
            }
            self = .folder(model)
            return
        }
        guard let id = HubModelID(model, revision: revision) else {
            throw ModelSourceError(
                "--model \(model): no such folder, and not a hub id (org/name, or org/name@revision)")
        }
        self = .hub(id)
    }

    /// The name clients use for the model by default: the hub repository (`org/name`), or the
    /// folder's last path component.
    var defaultServedName: String {
        switch self {
        case .folder(let path): return URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        case .hub(let id): return id.repository
        }
    }

    /// The hub revision asked for, if any.
    var revision: String? {
        if case .hub(let id) = self { return id.revision }
        return nil
    }

    /// The model's folder: itself, or the hub id's snapshot in the cache (downloaded as needed,
    /// with progress on standard error).
    func folder(token: String?, logger: Logger) async throws -> String {
        switch self {
        case .folder(let path): return path
        case .hub(let id):
            let downloader = HubDownloader(
                environment: ProcessInfo.processInfo.environment, token: token,
                progress: automaticProgress(logger: logger), logger: logger)
            return try await downloader.folder(for: id).path
        }
    }

    /// `folder(token:logger:)` from a thread outside Swift's concurrency pool (the server's
    /// model-loading thread), which waits for it; `cancellation` stops a download (the file
    /// being fetched stays `.incomplete` in the cache, and the next start resumes it).
    func folderWaiting(token: String?, logger: Logger, cancellation: LoadCancellation) throws -> String {
        if case .folder(let path) = self { return path }
        let result = Mutex<Result<String, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            let outcome: Result<String, any Error>
            do { outcome = .success(try await folder(token: token, logger: logger)) } catch {
                outcome = .failure(error)
            }
            result.withLock { $0 = outcome }
            done.signal()
        }
        cancellation.onCancel { task.cancel() }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

/// A `--model` that names neither a folder nor a hub id: one line for the user.
struct ModelSourceError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
