import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Where a download's progress is shown.
public protocol DownloadProgress: Sendable {
    /// A file's download begins (`bytes` when the hub says its size), or resumes at `offset`.
    func started(_ path: String, bytes: Int?, offset: Int)
    /// `received` bytes of it are on disk.
    func advanced(_ path: String, received: Int)
    /// It is complete and checked.
    func finished(_ path: String, bytes: Int, seconds: Double)
}

/// A bar per file when standard error is a terminal, plain log lines otherwise.
public func automaticProgress(logger: Logger) -> any DownloadProgress {
    isatty(STDERR_FILENO) == 1 ? TerminalProgress() : LogProgress(logger: logger)
}

/// Plain log lines: one when a file starts, one when it is done.
public struct LogProgress: DownloadProgress {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func started(_ path: String, bytes: Int?, offset: Int) {
        var metadata: Logger.Metadata = ["file": "\(path)"]
        if let bytes { metadata["bytes"] = "\(bytes)" }
        if offset > 0 { metadata["resumed_at"] = "\(offset)" }
        logger.info("downloading", metadata: metadata)
    }

    public func advanced(_ path: String, received: Int) {}

    public func finished(_ path: String, bytes: Int, seconds: Double) {
        logger.info(
            "downloaded",
            metadata: [
                "file": "\(path)", "bytes": "\(bytes)", "seconds": "\(String(format: "%.1f", seconds))",
                "mb_per_s": "\(String(format: "%.1f", Double(bytes) / max(seconds, 1e-3) / 1e6))",
            ])
    }
}

/// A bar per file on standard error, redrawn at most five times a second: bytes, rate and
/// time left.
public final class TerminalProgress: DownloadProgress, @unchecked Sendable {
    private struct State {
        var path = ""
        var total: Int?
        var offset = 0
        var start = Date()
        var drawn = Date.distantPast
    }
    // A pthread mutex (`NSLock`) rather than `Mutex`, whose uncontended path ThreadSanitizer
    // cannot see on Linux.
    private let lock = NSLock()
    private var state = State()

    public init() {}

    public func started(_ path: String, bytes: Int?, offset: Int) {
        lock.withLock { state = State(path: path, total: bytes, offset: offset, start: Date()) }
        advanced(path, received: offset)
    }

    public func advanced(_ path: String, received: Int) {
        let line: String? = lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(state.drawn) >= 0.2 else { return nil }
            state.drawn = now
            return Self.bar(state, received: received, now: now)
        }
        if let line { FileHandle.standardError.write(Data(("\r" + line).utf8)) }
    }

    public func finished(_ path: String, bytes: Int, seconds: Double) {
        let line = lock.withLock {
            state.total = bytes
            return Self.bar(state, received: bytes, now: Date())
        }
        FileHandle.standardError.write(Data(("\r" + line + "\n").utf8))
    }

    private static func bar(_ state: State, received: Int, now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(state.start), 1e-3)
        let rate = Double(received - state.offset) / elapsed
        let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1e6) }
        guard let total = state.total, total > 0 else {
            return "\(state.path)  \(megabytes(received))  \(String(format: "%.1f MB/s", rate / 1e6))"
        }
        let fraction = min(Double(received) / Double(total), 1)
        let width = 30
        let filled = Int(fraction * Double(width))
        let left = rate > 0 ? Int(Double(total - received) / rate) : 0
        return "\(state.path)  [" + String(repeating: "=", count: filled)
            + String(repeating: " ", count: width - filled) + "]  "
            + "\(megabytes(received)) / \(megabytes(total))  \(String(format: "%.1f MB/s", rate / 1e6))  "
            + String(format: "%d:%02d left", left / 60, left % 60)
    }
}
