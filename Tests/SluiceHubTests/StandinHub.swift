import Foundation
import XCTest

/// scripts/hub/standin_hub.py on loopback over repositories written by the test: the hub's
/// routes and headers, with gated repositories, corrupted and interrupted transfers on demand,
/// and a log of every request.
final class StandinHub {
    let root: URL
    let process = Process()
    let endpoint: URL
    let logFile: URL
    static let token = "hf_standin_token"

    /// Starts the stand-in over `repos` (`"org/name"` → revision → path → bytes).
    init(
        repos: [String: [String: [String: Data]]], gated: [String] = [], corrupt: [String] = [],
        interrupt: [String] = []
    ) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("standin-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("repos")
        for (repo, revisions) in repos {
            for (revision, files) in revisions {
                for (path, data) in files {
                    let file = folder.appendingPathComponent(repo).appendingPathComponent(revision)
                        .appendingPathComponent(path)
                    try FileManager.default.createDirectory(
                        at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try data.write(to: file)
                }
            }
        }
        logFile = root.appendingPathComponent("requests.jsonl")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/hub/standin_hub.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script.path, "--repos", folder.path, "--token", Self.token, "--log", logFile.path]
            + gated.flatMap { ["--gated", $0] } + corrupt.flatMap { ["--corrupt", $0] }
            + interrupt.flatMap { ["--interrupt", $0] }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The first line names the port.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else {
                throw NSError(
                    domain: "standin", code: 2,
                    userInfo: [
                        NSLocalizedDescriptionKey:
                            "scripts/hub/standin_hub.py did not start (is python3 installed?)"
                    ])
            }
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let address = text.split(separator: " ").last, let url = URL(string: String(address)) else {
            throw NSError(domain: "standin", code: 1, userInfo: [NSLocalizedDescriptionKey: text])
        }
        endpoint = url
    }

    deinit {
        // SIGKILL: the child may have inherited a blocked SIGTERM from the test runner's thread.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: root)
    }

    /// Every request so far: method, path, host, range, whether a token came.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
