import Foundation
import XCTest

@testable import SluiceTokenizers

/// A model folder's tokenizer as transformers sets it up: the same tokenizer
/// `Tokenizer.load(folder:)` builds, with or without `tokenizer.json`, plus its special tokens,
/// limits and decoding.
final class PretrainedTokenizerTests: XCTestCase {
    private func folder(_ name: String) -> URL { Fixtures.directory.appendingPathComponent(name) }

    /// A scratch folder holding `files` (name → contents), removed after the test.
    private func scratchFolder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pretrained-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        for (name, text) in files {
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
        }
        return url
    }

    func testAVocabularyFolderLoadsWithItsSpecialTokensFromSpecialTokensMap() throws {
        let pretrained = try PretrainedTokenizer(folder: folder("folder-bert-lower"), modelType: "bert")
        let (loaded, source) = try Tokenizer.load(folder: folder("folder-bert-lower"))
        XCTAssertEqual(pretrained.source, source)
        XCTAssertEqual(pretrained.source.kind, .wordPiece)
        let tokenizer = pretrained.tokenizer
        XCTAssertEqual(pretrained.maskToken, "[MASK]")
        XCTAssertNotNil(pretrained.maskTokenId)
        XCTAssertEqual(pretrained.maskTokenId, tokenizer.tokenToId("[MASK]"))
        XCTAssertEqual(pretrained.clsTokenId, tokenizer.tokenToId("[CLS]"))
        XCTAssertEqual(pretrained.padTokenId, tokenizer.tokenToId("[PAD]"))
        XCTAssertEqual(pretrained.unkTokenId, tokenizer.tokenToId("[UNK]"))
        XCTAssertNotNil(pretrained.clsTokenId)
        XCTAssertEqual(pretrained.continuingSubwordPrefix, "##")
        XCTAssertTrue(pretrained.returnsTokenTypeIds)  // tokenizer_class BertTokenizer
        XCTAssertNil(pretrained.modelMaxLength)
        XCTAssertFalse(pretrained.cleanUpTokenizationSpaces)
        let text = "Hello, World! Ünïcode tokenization"
        XCTAssertEqual(try tokenizer.encode(text).ids, try loaded.encode(text).ids)
    }

    func testByteLevelAndSentencePieceFoldersGiveTheirMaskAndNoSubwordPrefix() throws {
        for (name, modelType) in [("folder-roberta", "roberta"), ("folder-xlmr", "xlm-roberta")] {
            let pretrained = try PretrainedTokenizer(folder: folder(name), modelType: modelType)
            XCTAssertEqual(pretrained.maskToken, "<mask>", name)
            XCTAssertEqual(pretrained.maskTokenId, pretrained.tokenizer.tokenToId("<mask>"), name)
            XCTAssertNotNil(pretrained.maskTokenId, name)
            XCTAssertEqual(pretrained.clsTokenId, pretrained.tokenizer.tokenToId("<s>"), name)
            XCTAssertNil(pretrained.continuingSubwordPrefix, name)
            XCTAssertFalse(pretrained.returnsTokenTypeIds, name)
        }
    }

    func testATokenizerJSONFolderReadsLimitsAndTokensFromTokenizerConfig() throws {
        let tokenizerJSON = try String(
            contentsOf: Fixtures.tokenizerURL("bert-base-uncased"), encoding: .utf8)
        let url = try scratchFolder([
            "tokenizer.json": tokenizerJSON,
            "tokenizer_config.json": #"""
            {"model_max_length": 128, "clean_up_tokenization_spaces": true,
             "mask_token": {"content": "[MASK]", "lstrip": false}, "cls_token": "[CLS]"}
            """#,
            // tokenizer_config.json wins for the pipelines' special tokens.
            "special_tokens_map.json": #"{"mask_token": "[UNK]", "pad_token": "[PAD]"}"#,
        ])
        let pretrained = try PretrainedTokenizer(folder: url, modelType: nil)
        XCTAssertEqual(pretrained.source, TokenizerSource(kind: .tokenizerJSON, files: ["tokenizer.json"]))
        XCTAssertEqual(pretrained.modelMaxLength, 128)
        XCTAssertTrue(pretrained.cleanUpTokenizationSpaces)
        XCTAssertEqual(pretrained.maskToken, "[MASK]")
        XCTAssertEqual(pretrained.maskTokenId, 103)
        XCTAssertEqual(pretrained.clsTokenId, 101)
        XCTAssertEqual(pretrained.padTokenId, 0)
        XCTAssertNil(pretrained.unkTokenId)
        XCTAssertTrue(pretrained.returnsTokenTypeIds)  // no tokenizer_class, no model_type: BERT
        XCTAssertNil(pretrained.tokenizer.truncation)
        XCTAssertNil(pretrained.tokenizer.padding)
        let ids = try pretrained.tokenizer.encode("it's fine, isn't it?").ids
        XCTAssertEqual(pretrained.decode(ids, skipSpecialTokens: true), "it's fine, isn't it?")
    }

    func testTokenTypeIdsFollowModelInputNamesThenTokenizerClassThenModelType() throws {
        let tokenizerJSON = try String(
            contentsOf: Fixtures.tokenizerURL("bert-base-uncased"), encoding: .utf8)
        let cases: [(config: String, modelType: String?, returns: Bool)] = [
            (
                #"{"model_input_names": ["input_ids", "attention_mask"], "tokenizer_class": "BertTokenizer"}"#,
                "bert", false
            ),
            (#"{"model_input_names": ["input_ids", "token_type_ids"]}"#, "roberta", true),
            (#"{"tokenizer_class": "ElectraTokenizerFast"}"#, "roberta", true),
            (#"{"tokenizer_class": "TokenizersBackend"}"#, "bert", false),
            ("{}", "electra", true),
            ("{}", "mpnet", false),
            ("{}", "", true),
        ]
        for (config, modelType, returns) in cases {
            let url = try scratchFolder(["tokenizer.json": tokenizerJSON, "tokenizer_config.json": config])
            let pretrained = try PretrainedTokenizer(folder: url, modelType: modelType)
            XCTAssertEqual(pretrained.returnsTokenTypeIds, returns, "\(config) \(modelType ?? "nil")")
        }
    }

    func testAnUnreadableTokenizerConfigIsIgnoredBesideTokenizerJSONButRefusedWhenConverting() throws {
        let tokenizerJSON = try String(
            contentsOf: Fixtures.tokenizerURL("bert-base-uncased"), encoding: .utf8)
        let withJSON = try scratchFolder([
            "tokenizer.json": tokenizerJSON, "tokenizer_config.json": "{not json",
        ])
        let pretrained = try PretrainedTokenizer(folder: withJSON, modelType: "bert")
        XCTAssertNil(pretrained.maskToken)
        let vocabulary = try String(
            contentsOf: folder("folder-bert-cased").appendingPathComponent("vocab.txt"), encoding: .utf8)
        let withVocabulary = try scratchFolder(["vocab.txt": vocabulary, "tokenizer_config.json": "[]"])
        XCTAssertThrowsError(try PretrainedTokenizer(folder: withVocabulary, modelType: "bert")) { error in
            XCTAssertTrue("\(error)".contains("tokenizer_config.json"), "\(error)")
        }
    }

    func testTokensBackToTextUseTheTokenizersOwnDecoder() throws {
        let wordPiece = try PretrainedTokenizer(folder: folder("folder-bert-cased"), modelType: "bert")
        XCTAssertEqual(
            wordPiece.convertTokensToString(["un", "##believ", "##able", "!", "it", "'", "s"]),
            "unbelievable! it ' s")
        let byteLevel = try PretrainedTokenizer(folder: folder("folder-roberta"), modelType: "roberta")
        XCTAssertEqual(byteLevel.convertTokensToString(["ĠNew", "ĠYork", "Ã¯"]), " New Yorkï")
        // Words token classification decoded before come back unchanged.
        XCTAssertEqual(byteLevel.convertTokensToString([" naïve", " New"]), " naïve New")
        let metaspace = try PretrainedTokenizer(folder: folder("folder-xlmr"), modelType: "xlm-roberta")
        XCTAssertEqual(metaspace.convertTokensToString(["▁New", "▁Yo", "rk"]), "New York")
    }

    func testTransformersCleanUpKeepsDoNotUnlikeTheWordPieceDecoder() {
        XCTAssertEqual(
            PretrainedTokenizer.cleanUpTokenization("I do not know . it 's , is n't"),
            "I do not know. it's, isn't")
    }
}
