import Foundation
import SluiceJSON
import XCTest

@testable import SluiceModels

final class ConfigTests: XCTestCase {
    func testReadsLayerNormEpsAndActivation() throws {
        let config = try BertConfig(
            contentsOf: FixturePaths.model("bert-tiny-cased").appendingPathComponent("config.json"))
        XCTAssertEqual(config.layerNormEps, 1e-5)
        XCTAssertEqual(config.hiddenAct, .gelu)
        XCTAssertEqual(config.headDim, 8)
        XCTAssertEqual(config.architectures, ["BertForMaskedLM"])
    }

    func testUnsupportedActivationIsNamed() {
        XCTAssertThrowsError(try BertConfig(json: ["hidden_act": "swish"], path: "x/config.json")) { error in
            XCTAssertTrue("\(error)".contains("swish"))
            XCTAssertTrue("\(error)".contains("x/config.json"))
        }
    }

    func testHiddenSizeMustDivideIntoHeads() {
        XCTAssertThrowsError(
            try BertConfig(json: ["hidden_size": 30, "num_attention_heads": 4], path: "config.json"))
    }

    func testHubIdResolvesInTheCacheLayout() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-hf-\(UUID())")
        let snapshot = home.appendingPathComponent("hub/models--org--name/snapshots/abc123")
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try Data("{}".utf8).write(to: snapshot.appendingPathComponent("config.json"))
        let folder = try ModelFolder(path: "org/name", environment: ["HF_HOME": home.path])
        XCTAssertEqual(folder.url.lastPathComponent, "abc123")
        XCTAssertThrowsError(try ModelFolder(path: "org/missing", environment: ["HF_HOME": home.path]))
    }
}
