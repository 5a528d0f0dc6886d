import SluiceJSON
import XCTest

@testable import SluiceModels

/// A Qwen3 `config.json` as `Qwen3Config` reads it: its defaults, both rotary layouts, the
/// sliding window, and a clear refusal of what Sluice does not run.
final class Qwen3ConfigTests: XCTestCase {
    private func config(_ fields: JSONValue) throws -> EncoderConfig {
        var json: [(key: String, value: JSONValue)] = [("model_type", "qwen3")]
        json += fields.objectMembers ?? []
        return try EncoderConfig(json: .object(json), path: "c")
    }

    func testDefaultsAreQwen3Configs() throws {
        let plain = try config([:])
        XCTAssertEqual(
            [plain.vocabSize, plain.hiddenSize, plain.intermediateSize, plain.numHiddenLayers],
            [151_936, 4096, 22016, 32])
        // num_key_value_heads absent is the class's 32, not num_attention_heads; null is.
        XCTAssertEqual([plain.numAttentionHeads, plain.numKeyValueHeads, plain.headDim], [32, 32, 128])
        XCTAssertEqual(
            try config(["num_attention_heads": 8, "num_key_value_heads": .null]).numKeyValueHeads, 8)
        XCTAssertEqual(plain.hiddenAct, .silu)
        XCTAssertEqual(plain.layerNormEps, 1e-6)
        XCTAssertNil(plain.padTokenId)
        let settings = try Qwen3Settings(plain, path: "c")
        XCTAssertEqual(settings.ropeTheta, 10_000)
        XCTAssertFalse(settings.attentionBias)
        XCTAssertEqual(settings.slidingLayers, Array(repeating: false, count: 32))
        // Qwen3-0.6B's shape: 16 heads of 128 on 1024, 8 key/value heads, the hub's rope_theta.
        let small = try config([
            "hidden_size": 1024, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
            "rope_theta": 1_000_000, "rope_scaling": .null, "num_hidden_layers": 28,
        ])
        XCTAssertEqual(try Qwen3Settings(small, path: "c").ropeTheta, 1_000_000)
        XCTAssertEqual(small.headDim * small.numAttentionHeads, 2048)
        // rope_parameters (transformers 5) wins over a top-level rope_theta.
        let both = try config([
            "rope_theta": 5.0, "rope_parameters": ["rope_type": "default", "rope_theta": 7.0],
        ])
        XCTAssertEqual(try Qwen3Settings(both, path: "c").ropeTheta, 7)
    }

    func testSlidingWindowLayersAreDerivedAsQwen3ConfigDerivesThem() throws {
        let derived = try config([
            "num_hidden_layers": 4, "use_sliding_window": true, "sliding_window": 16, "max_window_layers": 2,
        ])
        let settings = try Qwen3Settings(derived, path: "c")
        XCTAssertEqual(settings.slidingLayers, [false, false, true, true])
        XCTAssertEqual(settings.slidingWindow, 16)
        // Without use_sliding_window there is no window, whatever max_window_layers says.
        let off = try Qwen3Settings(try config(["num_hidden_layers": 4, "max_window_layers": 0]), path: "c")
        XCTAssertEqual(off.slidingLayers, [false, false, false, false])
        XCTAssertNil(off.slidingWindow)
    }

    func testUnsupportedOptionsAreRefusedNamingTheField() {
        let refused: [(JSONValue, String)] = [
            (["rope_scaling": ["rope_type": "yarn", "factor": 4.0]], "yarn"),
            (["rope_parameters": ["rope_type": "dynamic", "rope_theta": 10.0]], "rope_parameters"),
            (["rope_theta": -1], "rope_theta"),
            (["num_attention_heads": 4, "num_key_value_heads": 3], "num_key_value_heads"),
            (["head_dim": 15], "head_dim"),
            (["hidden_act": "relu2"], "hidden_act"),
            (["attention_bias": "no"], "attention_bias"),
            (
                ["num_hidden_layers": 2, "layer_types": ["full_attention", "sliding_attention"]],
                "use_sliding_window"
            ),
            (["num_hidden_layers": 1, "layer_types": ["chunked_attention"]], "chunked_attention"),
            (["use_sliding_window": true, "sliding_window": 0], "sliding_window"),
            (["architectures": ["Qwen3ForQuestionAnswering"]], "Qwen3ForQuestionAnswering"),
        ]
        for (fields, named) in refused {
            XCTAssertThrowsError(try config(fields), named) { error in
                XCTAssertTrue("\(error)".contains(named), "\(error)")
            }
        }
    }

    func testCausalLMCheckpointIsNotAHead() throws {
        // Qwen3-Embedding's config names Qwen3ForCausalLM: a sentence-transformers folder reads
        // its encoder only; asked for a head, it is refused naming the supported ones.
        let causal = try config(["architectures": ["Qwen3ForCausalLM"]])
        XCTAssertThrowsError(try causal.checkpointHead()) { error in
            XCTAssertTrue("\(error)".contains("Qwen3ForSequenceClassification"), "\(error)")
        }
        XCTAssertEqual(
            try config(["architectures": ["Qwen3ForSequenceClassification"]]).checkpointHead(),
            .sequenceClassification)
    }
}
