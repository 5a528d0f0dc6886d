import Foundation
import Logging
import SluiceJSON
import XCTest

@testable import SluiceHub

/// Downloads from the stand-in hub (scripts/hub/standin_hub.py) into a fresh cache: what is
/// fetched, the cache's layout, and each failure's one-line error.
final class HubDownloadTests: XCTestCase {
    /// A small model folder with what a model reads and what it must not fetch.
    static let tiny: [String: Data] = [
        "config.json": Data(#"{"model_type": "bert", "architectures": ["BertModel"]}"#.utf8),
        "tokenizer.json": Data(#"{"version": "1.0"}"#.utf8),
        "tokenizer_config.json": Data("{}".utf8),
        "model.safetensors": Data(
            (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }),
        "pytorch_model.bin": Data(repeating: 7, count: 1000),
        "onnx/model.onnx": Data(repeating: 1, count: 100),
        "README.md": Data("# tiny".utf8),
        "modules.json": Data(
            #"[{"idx": 0, "name": "0", "path": "", "type": "t"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "p"}]"#
                .utf8),
        "1_Pooling/config.json": Data(#"{"pooling_mode_mean_tokens": true}"#.utf8),
    ]
    static let fetched = [
        "config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors", "modules.json",
        "1_Pooling/config.json",
    ]

    private var cacheRoot: URL!

    override func setUp() {
        cacheRoot = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hub-cache-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: cacheRoot) }

    private func downloader(_ hub: StandinHub?, token: String? = nil, offline: Bool = false) -> HubDownloader
    {
        var environment = ["HF_HUB_CACHE": cacheRoot.path, "HF_HOME": cacheRoot.path + "-home"]
        environment["HF_ENDPOINT"] = hub?.endpoint.absoluteString ?? "http://127.0.0.1:1"
        if offline { environment["HF_HUB_OFFLINE"] = "1" }
        return HubDownloader(
            environment: environment, token: token, progress: LogProgress(logger: Logger(label: "test")),
            logger: Logger(label: "test"))
    }

    private func fetch(
        _ hub: StandinHub?, _ id: String, token: String? = nil, offline: Bool = false
    ) async throws
        -> URL
    {
        try await downloader(hub, token: token, offline: offline).folder(for: try XCTUnwrap(HubModelID(id)))
    }

    /// The error `body` throws, as a `HubError`.
    private func hubError(_ body: () async throws -> URL) async -> HubError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? HubError
        }
    }

    func testFetchesWhatTheModelNeedsInTheCacheLayout() async throws {
        let hub = try StandinHub(repos: ["org/tiny": ["main": Self.tiny]])
        let folder = try await fetch(hub, "org/tiny", token: StandinHub.token)
        let repo = cacheRoot.appendingPathComponent("models--org--tiny")
        let commit = try String(contentsOf: repo.appendingPathComponent("refs/main"), encoding: .utf8)
        XCTAssertEqual(folder.path, repo.appendingPathComponent("snapshots/\(commit)").path)
        for path in Self.fetched {
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(path)), Self.tiny[path], path)
        }
        for path in ["pytorch_model.bin", "onnx/model.onnx", "README.md"] {
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path), path)
        }
        // Links relative to their folder; a large file's blob named by its sha256.
        let weights = try FileManager.default.destinationOfSymbolicLink(
            atPath: folder.appendingPathComponent("model.safetensors").path)
        let digest = try sha256Hex(of: folder.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(weights, "../../blobs/\(digest)")
        let pooling = try FileManager.default.destinationOfSymbolicLink(
            atPath: folder.appendingPathComponent("1_Pooling/config.json").path)
        XCTAssertTrue(pooling.hasPrefix("../../../blobs/"), pooling)
        let blobs = try FileManager.default.contentsOfDirectory(
            atPath: repo.appendingPathComponent("blobs").path)
        XCTAssertEqual(blobs.count, Self.fetched.count)
        XCTAssertFalse(blobs.contains { $0.hasSuffix(".incomplete") })
        // The token went to the hub, never to the storage host the large file redirected to.
        let requests = hub.requests()
        let storage = requests.filter { ($0["path"] as? String)?.hasPrefix("/cdn/") == true }
        XCTAssertEqual(storage.count, 1)
        XCTAssertEqual(storage.first?["token"] as? Bool, false)
        XCTAssertTrue((storage.first?["host"] as? String)?.hasPrefix("localhost") == true)
        XCTAssertTrue(
            requests.filter { ($0["path"] as? String)?.contains("/resolve/") == true }.allSatisfy {
                $0["token"] as? Bool == true
            })

        // A second start asks the revision's commit again, finds every file in place and
        // downloads nothing.
        let again = try await fetch(hub, "org/tiny")
        XCTAssertEqual(again, folder)
        let fileRequests = { (log: [[String: Any]]) in
            log.filter { ($0["path"] as? String)?.hasPrefix("/api/") != true }.count
        }
        XCTAssertEqual(fileRequests(hub.requests()), fileRequests(requests))
    }

    func testOfflineReadsTheCacheAndNeverTheNetwork() async throws {
        let missing = await hubError { try await self.fetch(nil, "org/tiny", offline: true) }
        guard case .offline(let message) = missing else { return XCTFail("\(String(describing: missing))") }
        XCTAssertTrue(message.contains("HF_HUB_OFFLINE"), message)
        let hub = try StandinHub(repos: ["org/tiny": ["main": Self.tiny]])
        let folder = try await fetch(hub, "org/tiny")
        let before = hub.requests().count
        // No endpoint at all: offline never asks.
        let offline = try await fetch(nil, "org/tiny", offline: true)
        XCTAssertEqual(offline, folder)
        XCTAssertEqual(hub.requests().count, before)
        // Online with the hub unreachable, the cached snapshot serves, as huggingface_hub does.
        let unreachable = try await fetch(nil, "org/tiny")
        XCTAssertEqual(unreachable, folder)
    }

    func testGatedRepositoryNeedsAValidToken() async throws {
        let hub = try StandinHub(repos: ["org/gated": ["main": Self.tiny]], gated: ["org/gated"])
        for token in [nil, "hf_wrong"] {
            let error = await hubError { try await self.fetch(hub, "org/gated", token: token) }
            guard case .gated(let message) = error else { return XCTFail("\(String(describing: error))") }
            XCTAssertTrue(message.contains("org/gated is gated") && !message.contains("\n"), message)
        }
        XCTAssertFalse(
            FileManager.default.fileExists(
                atPath: cacheRoot.appendingPathComponent("models--org--gated/snapshots").path))
        _ = try await fetch(hub, "org/gated", token: StandinHub.token)
    }

    func testUnknownRepositoryRevisionAndNetworkFailuresSayWhatToDo() async throws {
        let hub = try StandinHub(repos: ["org/tiny": ["main": Self.tiny]])
        let unknown = await hubError { try await self.fetch(hub, "org/nothing") }
        guard case .notFound(let message) = unknown else { return XCTFail("\(String(describing: unknown))") }
        XCTAssertTrue(message.contains("org/nothing was not found") && message.contains("HF_TOKEN"), message)
        let revision = await hubError { try await self.fetch(hub, "org/tiny@v9") }
        guard case .revisionNotFound(let text) = revision else {
            return XCTFail("\(String(describing: revision))")
        }
        XCTAssertTrue(text.contains("\"v9\""), text)
        let network = await hubError { try await self.fetch(nil, "org/tiny") }
        guard case .network(let reason) = network else { return XCTFail("\(String(describing: network))") }
        XCTAssertTrue(reason.contains("HF_HUB_OFFLINE") && reason.contains("HF_ENDPOINT"), reason)
    }

    func testCorruptedFileIsRefusedNamingItAndNothingIsKept() async throws {
        let hub = try StandinHub(
            repos: ["org/tiny": ["main": Self.tiny]], corrupt: ["org/tiny/model.safetensors"])
        let error = await hubError { try await self.fetch(hub, "org/tiny") }
        guard case .integrity(let message) = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(message.contains("model.safetensors of org/tiny is corrupt"), message)
        let repo = cacheRoot.appendingPathComponent("models--org--tiny")
        let blobs =
            (try? FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("blobs").path))
            ?? []
        let digest = try sha256Hex(of: try writeTemporary(Self.tiny["model.safetensors"]!))
        XCTAssertFalse(blobs.contains { $0.hasPrefix(digest) }, "\(blobs)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo.appendingPathComponent("refs/main").path))
    }

    func testInterruptedTransferResumesWithARangeRequest() async throws {
        let hub = try StandinHub(
            repos: ["org/tiny": ["main": Self.tiny]], interrupt: ["org/tiny/model.safetensors"])
        let folder = try await fetch(hub, "org/tiny")
        XCTAssertEqual(
            try Data(contentsOf: folder.appendingPathComponent("model.safetensors")),
            Self.tiny["model.safetensors"])
        let ranges = hub.requests().compactMap { $0["range"] as? String }
        XCTAssertEqual(ranges.count, 1, "\(ranges)")
        let start = ranges.first.flatMap { Int($0.dropFirst("bytes=".count).dropLast()) } ?? 0
        XCTAssertGreaterThan(start, 0)
    }

    func testAnIncompleteFileFromAnEarlierRunIsContinued() async throws {
        let hub = try StandinHub(repos: ["org/tiny": ["main": Self.tiny]])
        let weights = Self.tiny["model.safetensors"]!
        let digest = try sha256Hex(of: try writeTemporary(weights))
        let blobs = cacheRoot.appendingPathComponent("models--org--tiny/blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let half = weights.count / 2
        try weights.prefix(half).write(to: blobs.appendingPathComponent("\(digest).incomplete"))
        let folder = try await fetch(hub, "org/tiny")
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("model.safetensors")), weights)
        XCTAssertEqual(hub.requests().compactMap { $0["range"] as? String }, ["bytes=\(half)-"])
    }

    func testABranchNameResolvesToItsCommit() async throws {
        var v2 = Self.tiny
        v2["config.json"] = Data(#"{"model_type": "bert", "hidden_size": 8}"#.utf8)
        let hub = try StandinHub(repos: ["org/tiny": ["main": Self.tiny, "v2": v2]])
        let main = try await fetch(hub, "org/tiny")
        let second = try await fetch(hub, "org/tiny@v2")
        XCTAssertNotEqual(main, second)
        XCTAssertEqual(try Data(contentsOf: second.appendingPathComponent("config.json")), v2["config.json"])
        let repo = cacheRoot.appendingPathComponent("models--org--tiny")
        XCTAssertEqual(
            try String(contentsOf: repo.appendingPathComponent("refs/v2"), encoding: .utf8),
            second.lastPathComponent)
        // The weights are the same bytes: one blob serves both snapshots.
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("blobs").path)
                .count,
            Self.fetched.count + 1)
    }

    func testShardedWeightsFetchTheIndexAndEveryShard() async throws {
        var sharded = Self.tiny
        sharded["model.safetensors"] = nil
        sharded["model.safetensors.index.json"] = Data(
            #"{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}"#
                .utf8)
        sharded["model-00001-of-00002.safetensors"] = Data(repeating: 1, count: 2000)
        sharded["model-00002-of-00002.safetensors"] = Data(repeating: 2, count: 3000)
        let hub = try StandinHub(repos: ["org/sharded": ["main": sharded]])
        let folder = try await fetch(hub, "org/sharded")
        for shard in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(shard)), sharded[shard])
        }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("pytorch_model.bin").path))
    }

    func testTwoDownloadsOfOneRepositoryAtOnceAgree() async throws {
        let hub = try StandinHub(repos: ["org/tiny": ["main": Self.tiny]])
        let one = downloader(hub)
        let two = downloader(hub)
        let id = try XCTUnwrap(HubModelID("org/tiny"))
        async let first = one.folder(for: id)
        async let second = two.folder(for: id)
        let (a, b) = try await (first, second)
        XCTAssertEqual(a, b)
        XCTAssertEqual(
            try Data(contentsOf: a.appendingPathComponent("model.safetensors")),
            Self.tiny["model.safetensors"])
    }

    func testHubIdsAreReadAsHuggingFaceHubChecksThem() {
        XCTAssertEqual(HubModelID("BAAI/bge-small-en-v1.5")?.revision, "main")
        XCTAssertEqual(HubModelID("org/name@v1.0")?.revision, "v1.0")
        XCTAssertEqual(HubModelID("org/name@v1.0", revision: "dev")?.revision, "dev")
        XCTAssertEqual(HubModelID("bert-base-uncased")?.repository, "bert-base-uncased")
        for bad in [
            "", "a/b/c", "org--x/name", "../x", "org/na me", "org/name@", "/abs/path", "./folder", "x.",
        ] {
            XCTAssertNil(HubModelID(bad), bad)
        }
    }

    func testTokenComesFromTheFlagThenHFTokenThenTheSavedFile() throws {
        let home = try writeTemporary(Data()).deletingLastPathComponent().appendingPathComponent(
            "home-\(UUID())")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: home) }
        try Data("hf_saved\n".utf8).write(to: home.appendingPathComponent("token"))
        let other = home.appendingPathComponent("other-token")
        try Data("  hf_elsewhere ".utf8).write(to: other)
        let environment = ["HF_HOME": home.path]
        XCTAssertEqual(HubDownloader.token(given: "hf_flag", environment: environment), "hf_flag")
        XCTAssertEqual(
            HubDownloader.token(given: nil, environment: environment.merging(["HF_TOKEN": "hf_env"]) { $1 }),
            "hf_env")
        XCTAssertEqual(HubDownloader.token(given: nil, environment: environment), "hf_saved")
        XCTAssertEqual(
            HubDownloader.token(
                given: nil, environment: environment.merging(["HF_TOKEN_PATH": other.path]) { $1 }),
            "hf_elsewhere")
        XCTAssertNil(HubDownloader.token(given: " ", environment: ["HF_HOME": home.path + "/none"]))
    }

    func testTheCacheRootComesFromHFHubCacheThenHFHomeThenXDG() {
        XCTAssertEqual(HubCache(environment: ["HF_HUB_CACHE": "/c", "HF_HOME": "/h"]).root.path, "/c")
        XCTAssertEqual(HubCache(environment: ["HF_HOME": "/h"]).root.path, "/h/hub")
        XCTAssertEqual(HubCache(environment: ["XDG_CACHE_HOME": "/x"]).root.path, "/x/huggingface/hub")
        XCTAssertEqual(HubCache(environment: [:]).root.path, NSHomeDirectory() + "/.cache/huggingface/hub")
    }

    func testOnlyTheFilesAModelReadsAreChosen() {
        let files = [
            "config.json", "tokenizer.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5",
            "README.md",
            "onnx/model.onnx", "modules.json", "1_Pooling/config.json", "2_Dense/config.json",
            "2_Dense/model.safetensors", "2_Dense/pytorch_model.bin", "2_Dense/onnx/model.onnx", "spm.model",
        ]
        let (settings, weights) = ModelFiles.firstPass(Set(files))
        XCTAssertEqual(settings, ["config.json", "tokenizer.json", "spm.model", "modules.json"])
        XCTAssertEqual(weights, "model.safetensors")
        XCTAssertEqual(
            ModelFiles.firstPass(["config.json", "pytorch_model.bin.index.json"]).weights,
            "pytorch_model.bin.index.json")
        let modules: JSONValue = [["path": ""], ["path": "1_Pooling"], ["path": "2_Dense"]]
        XCTAssertEqual(
            ModelFiles.moduleFiles(files, modules: modules),
            ["1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors"])
    }

    private func writeTemporary(_ data: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("blob-\(UUID().uuidString)")
        try data.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
