import Foundation
import SluiceJSON
import XCTest

@testable import SluiceModels

final class EncoderConfigTests: XCTestCase {
    private func config(_ family: String, _ head: String) throws -> EncoderConfig {
        try EncoderConfig(
            contentsOf: FixturePaths.model("architectures/\(family)/\(head)").appendingPathComponent(
                "config.json"))
    }

    func testDistilBertReadsItsOwnFieldNamesAndFixedLayerNormEps() throws {
        let c = try EncoderConfig(
            json: [
                "model_type": "distilbert", "dim": 48, "n_layers": 3, "n_heads": 6, "hidden_dim": 96,
                "activation": "relu", "layer_norm_eps": 1e-5, "type_vocab_size": 2,
            ], path: "config.json")
        XCTAssertEqual(c.family, .distilbert)
        XCTAssertEqual(
            [c.hiddenSize, c.numHiddenLayers, c.numAttentionHeads, c.intermediateSize], [48, 3, 6, 96])
        XCTAssertEqual(c.hiddenAct, .relu)
        XCTAssertEqual(c.layerNormEps, 1e-12)
        XCTAssertEqual(c.typeVocabSize, 0, "DistilBERT has no token type embeddings")
        XCTAssertNil(c.positionPaddingIdx)
    }

    func testRobertaFamilyAndMPNetPositionsStartAfterPaddingIdx() throws {
        XCTAssertEqual(try config("roberta", "base").positionPaddingIdx, 1)
        XCTAssertEqual(try config("camembert", "base").positionPaddingIdx, 1)
        let roberta = try EncoderConfig(json: ["model_type": "xlm-roberta", "pad_token_id": 3], path: "c")
        XCTAssertEqual(roberta.positionPaddingIdx, 3)
        // MPNetEmbeddings fixes padding_idx at 1 whatever pad_token_id says.
        XCTAssertEqual(
            try EncoderConfig(json: ["model_type": "mpnet", "pad_token_id": 3], path: "c").positionPaddingIdx,
            1)
        XCTAssertNil(try config("bert", "base").positionPaddingIdx)
    }

    func testElectraEmbeddingSizeIsReadAndDefaultsElsewhereToHiddenSize() throws {
        let electra = try config("electra", "base")
        XCTAssertEqual(electra.embeddingSize, 16)
        XCTAssertEqual(electra.hiddenSize, 24)
        XCTAssertEqual(try config("bert", "base").embeddingSize, 24)
    }

    func testLabelsAndProblemTypeAreRead() throws {
        let multi = try config("roberta", "sequence-classification-multi-label")
        XCTAssertEqual(multi.problemType, "multi_label_classification")
        XCTAssertEqual(multi.numLabels, 4)
        XCTAssertEqual(multi.id2label[1], "insult")
        XCTAssertEqual(multi.label2id["threat"], 2)
        let regression = try config("bert", "sequence-classification-regression")
        XCTAssertEqual(regression.numLabels, 1)
        XCTAssertNil(regression.problemType)
        XCTAssertEqual(try config("bert", "token-classification").id2label[3], "B-LOC")
        XCTAssertThrowsError(try EncoderConfig(json: ["problem_type": "ranking"], path: "c"))
    }

    func testUnsupportedModelTypeNamesTheSupportedOnes() {
        XCTAssertThrowsError(try EncoderConfig(json: ["model_type": "deberta"], path: "m/config.json")) {
            error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("\"deberta\"") && message.contains("m/config.json"), message)
            for family in EncoderFamily.allCases { XCTAssertTrue(message.contains(family.rawValue), message) }
        }
    }

    func testRemoteCodeIsRefusedNamingAutoMapAndTheClass() {
        // As jinaai/jina-embeddings-v2-base-en: model_type bert, but its classes are its own.
        let jina: JSONValue = [
            "model_type": "bert",
            "auto_map": [
                "AutoConfig": "jinaai/jina-bert-implementation--configuration_bert.JinaBertConfig",
                "AutoModel": "jinaai/jina-bert-implementation--modeling_bert.JinaBertModel",
            ],
        ]
        XCTAssertThrowsError(try EncoderConfig(json: jina, path: "m/config.json")) { error in
            let message = "\(error)"
            for part in ["m/config.json", "auto_map", "JinaBertConfig", "trust_remote_code", "modernbert"] {
                XCTAssertTrue(message.contains(part), message)
            }
        }
        // A tokenizer-only entry is not model code.
        XCTAssertNoThrow(
            try EncoderConfig(
                json: ["model_type": "bert", "auto_map": ["AutoTokenizer": ["a.B", "a.C"]]], path: "c"))
    }

    func testModernBertDefaultsAndRefusals() throws {
        let plain = try EncoderConfig(json: ["model_type": "modernbert"], path: "c")
        XCTAssertEqual(plain.vocabSize, 50368)
        XCTAssertEqual(plain.intermediateSize, 1152)
        XCTAssertEqual(plain.layerNormEps, 1e-5)
        XCTAssertEqual(plain.maxPositionEmbeddings, 8192)
        let settings = try ModernBertSettings(plain, path: "c")
        XCTAssertEqual(settings.globalLayers.prefix(4), [true, false, false, true])
        XCTAssertEqual(settings.windowRadius, 64)
        XCTAssertEqual([settings.globalTheta, settings.localTheta], [160_000, 10_000])
        let refused: [(JSONValue, String)] = [
            (["rope_scaling": ["rope_type": "linear", "factor": 2.0]], "linear"),
            (["classifier_pooling": "max"], "classifier_pooling"),
            (["num_hidden_layers": 2, "layer_types": ["full_attention"]], "layer_types"),
            (["num_hidden_layers": 1, "layer_types": ["chunked_attention"]], "chunked_attention"),
            (["global_attn_every_n_layers": 0], "global_attn_every_n_layers"),
            (["hidden_activation": "swiglu"], "hidden_activation"),
            (["norm_bias": "yes"], "norm_bias"),
            (["hidden_size": 36, "num_attention_heads": 4], "even head width"),
        ]
        for (fields, named) in refused {
            var json: [(key: String, value: JSONValue)] = [("model_type", "modernbert")]
            json += fields.objectMembers ?? []
            XCTAssertThrowsError(try EncoderConfig(json: .object(json), path: "c"), named) { error in
                XCTAssertTrue("\(error)".contains(named), "\(error)")
            }
        }
    }

    func testDebertaV2DefaultsAndRefusals() throws {
        let plain = try EncoderConfig(json: ["model_type": "deberta-v2"], path: "c")
        XCTAssertEqual(plain.vocabSize, 128_100)
        XCTAssertEqual(plain.hiddenSize, 1536)
        XCTAssertEqual(plain.typeVocabSize, 0)
        XCTAssertEqual(plain.embeddingSize, 1536)
        XCTAssertEqual(plain.layerNormEps, 1e-7)
        let settings = try DebertaV2Settings(plain, path: "c")
        XCTAssertFalse(settings.relativeAttention)
        XCTAssertTrue(settings.positionBiasedInput)
        XCTAssertTrue(settings.legacyMaskedLM)
        XCTAssertEqual(settings.scaleFactor, 1)
        XCTAssertEqual(settings.maxRelativePositions, 512)
        // deberta-v3-base's fields, the older string spelling of pos_att_type among them.
        let v3 = try DebertaV2Settings(
            EncoderConfig(
                json: [
                    "model_type": "deberta-v2", "hidden_size": 768, "num_attention_heads": 12,
                    "relative_attention": true, "pos_att_type": "p2c|c2p", "position_buckets": 256,
                    "max_relative_positions": -1, "norm_rel_ebd": "layer_norm", "share_att_key": true,
                    "position_biased_input": false,
                ], path: "c"), path: "c")
        XCTAssertEqual(
            [v3.contentToPosition, v3.positionToContent, v3.normalizesRelativeEmbeddings], [true, true, true])
        XCTAssertEqual(v3.scaleFactor, 3)
        XCTAssertEqual(v3.attentionSpan, 256)
        let refused: [(JSONValue, String)] = [
            (["pos_att_type": ["c2p", "p2p"]], "pos_att_type \"p2p\""),
            (["pos_att_type": "c2p|p2p"], "pos_att_type"),
            (["norm_rel_ebd": "layer_norm|scale"], "norm_rel_ebd"),
            (["conv_kernel_size": 4], "conv_kernel_size"),
            (["conv_kernel_size": 3, "conv_groups": 5], "conv_groups"),
            (["conv_kernel_size": 3, "conv_act": "swish"], "conv_act"),
            (["pooler_hidden_act": "mish"], "pooler_hidden_act"),
            (["position_buckets": 1], "position_buckets"),
            (["attention_head_size": 32], "attention_head_size"),
            (["pooler_hidden_size": 32], "pooler_hidden_size"),
            (["share_att_key": "yes"], "share_att_key"),
            (["hidden_act": "swish"], "hidden_act"),
        ]
        for (fields, named) in refused {
            var json: [(key: String, value: JSONValue)] = [("model_type", "deberta-v2")]
            json += fields.objectMembers ?? []
            XCTAssertThrowsError(try EncoderConfig(json: .object(json), path: "c"), named) { error in
                XCTAssertTrue("\(error)".contains(named), "\(error)")
            }
        }
    }

    func testFamilyComesFromArchitecturesWhenModelTypeIsMissing() throws {
        XCTAssertEqual(try EncoderConfig(json: [:], path: "c").family, .bert)
        let xlmr = try EncoderConfig(json: ["architectures": ["XLMRobertaForTokenClassification"]], path: "c")
        XCTAssertEqual(xlmr.family, .xlmRoberta)
        XCTAssertEqual(try xlmr.checkpointHead(), .tokenClassification)
        let distil = try EncoderConfig(json: ["architectures": ["DistilBertModel"]], path: "c")
        XCTAssertEqual(distil.family, .distilbert)
        XCTAssertNil(try distil.checkpointHead())
    }

    func testUnsupportedHeadNamesTheArchitectureAndTheSupportedHeads() {
        for name in [
            "BertForMultipleChoice", "BertLMHeadModel", "RobertaForCausalLM", "ElectraForPreTraining",
        ] {
            let family = name.hasPrefix("Bert") ? "bert" : name.hasPrefix("Roberta") ? "roberta" : "electra"
            let config = try? EncoderConfig(
                json: ["model_type": .string(family), "architectures": [.string(name)]], path: "c")
            XCTAssertThrowsError(try config?.checkpointHead()) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(name), message)
                XCTAssertTrue(message.contains("ForSequenceClassification"), message)
                XCTAssertTrue(message.contains("ForQuestionAnswering"), message)
            }
        }
    }

    func testAHeadTheCheckpointLacksIsAnErrorNamingHeadTensorAndArchitecture() throws {
        let folder = try ModelFolder(path: FixturePaths.model("architectures/roberta/masked-lm").path)
        let model = try EncoderModel(folder: folder, runtime: .forTests)
        XCTAssertNoThrow(try model.loadHead(.maskedLM))
        XCTAssertThrowsError(try model.loadHead(.sequenceClassification)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("RobertaForSequenceClassification"), message)
            XCTAssertTrue(message.contains("classifier.dense.weight"), message)
            XCTAssertTrue(message.contains("RobertaForMaskedLM"), message)
        }
    }

    func testEveryFamilyLoadsFromAModelFolder() throws {
        for family in EncoderFamily.allCases {
            let folder = try ModelFolder(
                path: FixturePaths.model("architectures/\(family.rawValue)/base").path)
            let model = try EncoderModel(folder: folder, runtime: .forTests)
            XCTAssertEqual(model.config.family, family)
            var batch = RaggedBatch()
            batch.append(ids: [5, 9, 7], typeIds: [0, 0, 0])
            XCTAssertEqual(try model.forward(batch).values.count, 3 * model.config.hiddenSize)
        }
    }

    func testFamilyModelRefusesAnotherFamilysConfig() throws {
        let folder = FixturePaths.model("architectures/roberta/base")
        let config = try EncoderConfig(contentsOf: folder.appendingPathComponent("config.json"))
        let weights = try WeightStore(
            files: [folder.appendingPathComponent("model.safetensors")], runtime: .forTests)
        XCTAssertThrowsError(
            try EncoderModel(config: config, weights: weights, architecture: BertArchitecture.self))
    }
}

final class SequenceLengthTests: XCTestCase {
    func testRobertaStyleModelsTakeTwoTokensFewerThanTheirPositions() throws {
        for (family, expected) in [("bert", 40), ("roberta", 40), ("mpnet", 158), ("distilbert", 40)] {
            let folder = FixturePaths.model("architectures/\(family)/base")
            let model = try EncoderModel(folder: try ModelFolder(path: folder.path), runtime: .forTests)
            XCTAssertEqual(model.config.maxSequenceLength, expected, family)
            var fits = RaggedBatch()
            fits.append(
                ids: Array(repeating: 9, count: expected), typeIds: Array(repeating: 0, count: expected))
            XCTAssertNoThrow(try model.forward(fits), family)
            var tooLong = RaggedBatch()
            tooLong.append(
                ids: Array(repeating: 9, count: expected + 1),
                typeIds: Array(repeating: 0, count: expected + 1))
            XCTAssertThrowsError(try model.forward(tooLong), family) { error in
                XCTAssertTrue("\(error)".contains("\(expected) positions"), "\(error)")
            }
        }
    }
}
