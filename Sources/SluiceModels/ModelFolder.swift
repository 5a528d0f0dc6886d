import Foundation
import SluiceJSON
import Synchronization

/// A model folder on disk: `config.json`, weights, tokenizer files, and for
/// sentence-transformers folders `modules.json` and its module folders.
public struct ModelFolder: Sendable {
    /// The folder.
    public let url: URL
    /// The folder's small JSON files as read, shared by every copy of this value, so that each
    /// is opened once however many parts of the model read it.
    private let jsonFiles = JSONFileCache()

    /// Opens a folder path, or resolves a hub id (`org/name`) in the Hugging Face cache layout
    /// (`$HF_HOME/hub/models--org--name/snapshots/<rev>/`). Nothing is downloaded.
    public init(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ModelError("\(path) is a file, not a model folder") }
            url = URL(fileURLWithPath: path).standardizedFileURL
        } else if let cached = Self.resolveHubId(path, environment: environment) {
            url = cached
        } else {
            throw ModelError(
                "model folder \(path) does not exist (nor as a hub id in the Hugging Face cache; downloading is not supported)"
            )
        }
        guard fm.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
            throw ModelError("\(url.path) has no config.json")
        }
    }

    static func resolveHubId(_ id: String, environment: [String: String]) -> URL? {
        let parts = id.split(separator: "/")
        guard parts.count == 2, !id.hasPrefix("."), !id.hasPrefix("/") else { return nil }
        let home =
            environment["HF_HOME"]
            ?? ((environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")) + "/huggingface")
        let repo = URL(fileURLWithPath: home).appendingPathComponent("hub/models--\(parts[0])--\(parts[1])")
        let snapshots = repo.appendingPathComponent("snapshots")
        let fm = FileManager.default
        if let ref = try? String(contentsOf: repo.appendingPathComponent("refs/main"), encoding: .utf8) {
            let snapshot = snapshots.appendingPathComponent(
                ref.trimmingCharacters(in: .whitespacesAndNewlines))
            if fm.fileExists(atPath: snapshot.path) { return snapshot }
        }
        let revisions = (try? fm.contentsOfDirectory(atPath: snapshots.path))?.sorted() ?? []
        return revisions.first.map { snapshots.appendingPathComponent($0) }
    }

    /// A file in the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// A JSON file of the folder (`name` may name a file in a module's folder,
    /// `1_Pooling/config.json`), read and parsed as Python's `json` reads it on first use and
    /// kept: whatever value the file holds (`modules.json` is a list), or an empty object when
    /// it is missing or not JSON, as the libraries that read these optional files treat them.
    public func jsonObject(_ name: String) -> JSONValue {
        jsonFiles.value(for: name) {
            guard let data = try? Data(contentsOf: file(name)), let value = try? JSONValue.parse(data) else {
                return .object([])
            }
            return value
        }
    }

    /// Whether the folder has that file.
    public func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// The weight files, in the order of preference: `model.safetensors`, the shards
    /// `model.safetensors.index.json` names, `pytorch_model.bin`, the shards
    /// `pytorch_model.bin.index.json` names. `WeightStore` reads either format.
    public func weightFiles() throws -> [URL] {
        for (single, index) in [
            ("model.safetensors", "model.safetensors.index.json"),
            ("pytorch_model.bin", "pytorch_model.bin.index.json"),
        ] {
            if has(single) { return [file(single)] }
            if has(index) { return try shards(listedIn: file(index)) }
        }
        throw ModelError("\(url.path) has no model.safetensors (nor pytorch_model.bin)")
    }

    /// The files a sharded checkpoint's index names in its `weight_map`.
    private func shards(listedIn index: URL) throws -> [URL] {
        let json = try? JSONValue.parse(try Data(contentsOf: index))
        guard let map = json?["weight_map"]?.objectMembers else {
            throw ModelError("\(index.path) has no weight_map")
        }
        let shards = map.compactMap { $0.value.stringValue }
        guard shards.count == map.count else {
            throw ModelError("\(index.path): every weight_map entry must name a file")
        }
        return Set(shards).sorted().map { file($0) }
    }
}

/// JSON files by name, each read once.
private final class JSONFileCache: Sendable {
    private let files = Mutex<[String: JSONValue]>([:])

    func value(for name: String, read: () -> JSONValue) -> JSONValue {
        files.withLock { files in
            if let value = files[name] { return value }
            let value = read()
            files[name] = value
            return value
        }
    }
}
