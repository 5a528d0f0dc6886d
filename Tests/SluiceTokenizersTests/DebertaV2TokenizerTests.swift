import Foundation
import XCTest

@testable import SluiceTokenizers

/// DeBERTa-v2's tokenizer from a folder with only `spm.model` (as microsoft/deberta-v3-base
/// ships it), against what transformers 5 builds from the same folder
/// (scripts/fixtures/make_task_fixtures.py --only-deberta writes both).
final class DebertaV2TokenizerTests: XCTestCase {
    static let tasks = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/tasks")

    struct Row: Decodable {
        var text: String
        var pair: String?
        var ids: [Int]
        var type_ids: [Int]
        var offsets: [[Int]]
        var tokens: [String]
        var special: [Int]
        var decoded: String
    }

    func testSpmModelFolderTokenizesAsTransformers() throws {
        let folder = Self.tasks.appendingPathComponent("token-classification-deberta-v2-spm")
        let tokenizer = try PretrainedTokenizer(folder: folder, modelType: "deberta-v2")
        XCTAssertEqual(tokenizer.source.files.first, "spm.model")
        XCTAssertTrue(tokenizer.returnsTokenTypeIds)
        // The folder names no special token: DebertaV2Tokenizer's defaults, [MASK] after the pieces.
        XCTAssertEqual(tokenizer.maskToken, "[MASK]")
        XCTAssertEqual(tokenizer.maskTokenId, tokenizer.tokenizer.tokenToId("[MASK]"))
        XCTAssertEqual([tokenizer.clsTokenId, tokenizer.padTokenId, tokenizer.unkTokenId], [1, 0, 3])
        let text = try String(
            contentsOf: folder.appendingPathComponent("expected/tokenization.jsonl"), encoding: .utf8)
        let rows = try text.split(separator: "\n").map {
            try JSONDecoder().decode(Row.self, from: Data($0.utf8))
        }
        XCTAssertGreaterThan(rows.count, 20)
        for row in rows {
            let label = "\(row.text.debugDescription) / \(row.pair?.debugDescription ?? "-")"
            let encoding = try tokenizer.tokenizer.encode(row.text, pair: row.pair)
            XCTAssertEqual(encoding.ids, row.ids, label)
            XCTAssertEqual(encoding.typeIds, row.type_ids, label)
            // convert_ids_to_tokens: an unknown piece reads as [UNK] (the encoding keeps its text).
            XCTAssertEqual(encoding.ids.map { tokenizer.tokenizer.idToToken($0) }, row.tokens, label)
            XCTAssertEqual(encoding.offsets.map { [$0.start, $0.end] }, row.offsets, label)
            XCTAssertEqual(encoding.specialTokensMask, row.special, label)
            XCTAssertEqual(tokenizer.decode(encoding.ids, skipSpecialTokens: true), row.decoded, label)
        }
    }

    /// The same spm.model and settings, as transformers 5 saved it in tokenizer.json, converted
    /// here from spm.model, and in the tokenizer.json layout transformers 4 wrote (which
    /// DebertaV2Tokenizer rebuilds): the same encodings, offsets of leading spaces included.
    func testSpmModelConversionMatchesTheSavedTokenizerJSON() throws {
        let (saved, _) = try Tokenizer.load(
            folder: Self.tasks.appendingPathComponent("token-classification-deberta-v2"))
        let (converted, source) = try Tokenizer.load(
            folder: Self.tasks.appendingPathComponent("token-classification-deberta-v2-spm"))
        let (rebuilt, _) = try Tokenizer.load(
            folder: Self.tasks.appendingPathComponent("token-classification-deberta-v2-legacy-json"))
        XCTAssertEqual(source.kind, .sentencePiece)
        XCTAssertEqual(saved.tokenToId("[MASK]"), converted.tokenToId("[MASK]"))
        for text in [
            "Paris is the [MASK] of France.", "  Hello   world\t!\n", "[CLS]x[SEP] [PAD]",
            "café naïve résumé",
            "中文 字 12345 😀", "ＡＢＣ ﬁancé", "", "\u{3000} ideographic\u{3000}space ",
        ] {
            for pair in [nil, "London [MASK] is"] {
                let a = try saved.encode(text, pair: pair)
                for b in [try converted.encode(text, pair: pair), try rebuilt.encode(text, pair: pair)] {
                    XCTAssertEqual(a.ids, b.ids, text)
                    XCTAssertEqual(a.offsets, b.offsets, text)
                    XCTAssertEqual(a.typeIds, b.typeIds, text)
                }
            }
        }
    }
}
