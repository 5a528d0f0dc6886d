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
}
