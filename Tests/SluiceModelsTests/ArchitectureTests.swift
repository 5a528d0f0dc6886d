import Foundation
import SluiceSafeTensors
import SluiceTensors
import XCTest

@testable import SluiceModels

/// Every architecture × head against transformers' own outputs on the same tiny random-weight
/// checkpoints (scripts/fixtures/make_architecture_fixtures.py).
final class ArchitectureTests: XCTestCase {
    struct Case {
        let ids: [Int]
        let typeIds: [Int]
        let rows: [Int]
        let width: Int
        let values: [Float]
    }

    static let heads: [String: HeadKind?] = [
        "base": nil, "masked-lm": .maskedLM, "sequence-classification": .sequenceClassification,
        "sequence-classification-multi-label": .sequenceClassification,
        "sequence-classification-regression": .sequenceClassification,
        "token-classification": .tokenClassification, "question-answering": .questionAnswering,
        "sequence-classification-mean-biased": .sequenceClassification, "masked-lm-biased-untied": .maskedLM,
        "base-legacy-config": nil, "base-sliding-window": nil, "base-biased-legacy-config": nil,
        "sequence-classification-bf16": .sequenceClassification,
        "masked-lm-lm-predictions": .maskedLM, "masked-lm-untied": .maskedLM,
        "base-c2p-absolute": nil, "base-p2c-conv": nil, "base-v2-xlarge-shape": nil, "base-no-relative": nil,
        "sequence-classification-conv": .sequenceClassification,
    ]

    /// Rows of the large batch `checkKeptRows` runs (the size the encoder once cut passes at).
    static let largeBatchRows = 2048

    static func folder(_ family: String, _ head: String) -> URL {
        FixturePaths.model("architectures/\(family)/\(head)")
    }

    private func load(_ family: String, _ head: String) throws -> (EncoderModel, (any EncoderHead)?, [Case]) {
        let folder = Self.folder(family, head)
        let config = try EncoderConfig(contentsOf: folder.appendingPathComponent("config.json"))
        let weights = try WeightStore(
            files: [folder.appendingPathComponent("model.safetensors")], runtime: .forTests)
        let model = try EncoderModel(config: config, weights: weights)
        let kind = try XCTUnwrap(Self.heads[head], "unknown fixture head \(head)")
        XCTAssertEqual(try config.checkpointHead(), kind, "\(family)/\(head) architectures")
        let loaded = try kind.map { try model.loadHead($0) }
        let cases = try FixturePaths.jsonLines(folder.appendingPathComponent("expected/logits.jsonl")).map {
            row in
            Case(
                ids: row["ids"] as! [Int], typeIds: row["type_ids"] as! [Int], rows: row["rows"] as! [Int],
                width: row["width"] as! Int,
                values: Data(base64Encoded: row["values_f32_base64"] as! String)!.withUnsafeBytes {
                    Array($0.bindMemory(to: Float.self))
                })
        }
        return (model, loaded, cases)
    }

    /// The rows' outputs: hidden states for the bare encoder, the head's logits otherwise. A
    /// mean-pooling head answers once per sequence of `hidden` (the fixture names row 0).
    private func outputs(_ hidden: HiddenStates, head: (any EncoderHead)?, rows: [Int]) -> [Float] {
        guard let head else { return rows.flatMap { hidden.row($0) } }
        if head.pooling == .mean { return head.sequenceLogits(hidden) }
        return head.logits(hidden, rows: rows)
    }

    /// max |ours − reference| ≤ 1e-4 · max(|reference|, `floor`).
    private func assertClose(_ ours: [Float], _ reference: [Float], _ label: String, floor: Float = 0) {
        XCTAssertEqual(ours.count, reference.count, label)
        let scale = max(reference.map { abs($0) }.max() ?? 1, floor)
        let worst = zip(ours, reference).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(label): max error \(worst), scale \(scale)")
    }

    /// Each sequence alone, then all of them in one ragged batch, against the reference.
    private func check(_ family: String) throws {
        let heads = try FileManager.default.contentsOfDirectory(
            atPath: FixturePaths.model("architectures/\(family)").path
        ).sorted()
        XCTAssertGreaterThanOrEqual(heads.count, 5, family)
        for head in heads {
            let (model, loaded, cases) = try load(family, head)
            XCTAssertGreaterThan(cases.count, 5)
            // A sequence-level head gives one row per sequence, and with one label (regression)
            // that is a single number, which may be near zero by cancellation while the f32
            // rounding of the rows it sums stays ~1e-6 · their size. Its scale is the largest
            // logit over the fixture's batch, as it would be for the batch's logits tensor.
            let floor =
                loaded?.kind == .sequenceClassification
                ? cases.flatMap(\.values).map { abs($0) }.max() ?? 0 : 0
            var all = RaggedBatch()
            var allRows: [Int] = []
            for (i, c) in cases.enumerated() {
                XCTAssertEqual(loaded?.outputWidth ?? model.config.hiddenSize, c.width, "\(family)/\(head)")
                var single = RaggedBatch()
                single.append(ids: c.ids, typeIds: c.typeIds)
                let alone = outputs(try model.forward(single), head: loaded, rows: c.rows)
                assertClose(
                    alone, c.values, "\(family)/\(head) sequence \(i) (\(c.ids.count) tokens) alone",
                    floor: floor)
                allRows += c.rows.map { all.tokenCount + $0 }
                all.append(ids: c.ids, typeIds: c.typeIds)
            }
            let batched = outputs(try model.forward(all), head: loaded, rows: allRows)
            var offset = 0
            for (i, c) in cases.enumerated() {
                let count = c.rows.count * c.width
                assertClose(
                    Array(batched[offset..<(offset + count)]), c.values,
                    "\(family)/\(head) sequence \(i) (\(c.ids.count) tokens) in a ragged batch", floor: floor)
                offset += count
            }
            // A mean-pooling head reads every row of its sequences: there are no rows to keep.
            if loaded?.pooling != .mean {
                try checkKeptRows(model, loaded, cases, label: "\(family)/\(head)", floor: floor)
            }
        }
    }

    /// `forward(_:keeping:)` (the last layer's feed-forward work for the kept rows only) against
    /// the reference: the fixture's rows of one ragged batch, then of a batch of over
    /// `largeBatchRows` rows (the fixture repeated; one pass however large), kept in reverse
    /// order.
    private func checkKeptRows(
        _ model: EncoderModel, _ loaded: (any EncoderHead)?, _ cases: [Case], label: String, floor: Float
    ) throws {
        for repeats in [1, Self.largeBatchRows / cases.map(\.ids.count).reduce(0, +) + 1] {
            var batch = RaggedBatch()
            var kept: [(row: Int, values: ArraySlice<Float>)] = []
            for _ in 0..<repeats {
                for c in cases {
                    for (j, row) in c.rows.enumerated() {
                        kept.append((batch.tokenCount + row, c.values[(j * c.width)..<((j + 1) * c.width)]))
                    }
                    batch.append(ids: c.ids, typeIds: c.typeIds)
                }
            }
            if repeats > 1 {
                XCTAssertGreaterThan(batch.tokenCount, Self.largeBatchRows)
                kept.reverse()
            }
            let hidden = try model.forward(batch, keeping: kept.map(\.row))
            XCTAssertEqual(hidden.tokenCount, kept.count, label)
            let ours = outputs(hidden, head: loaded, rows: Array(kept.indices))
            assertClose(
                ours, kept.flatMap(\.values),
                "\(label): kept rows of \(batch.tokenCount) in \(repeats) copies",
                floor: floor)
        }
        // Rows asked for more than once (first tokens of empty sequences do that) come back
        // once per request, in order.
        var batch = RaggedBatch()
        var kept: [(row: Int, values: ArraySlice<Float>)] = []
        for c in cases {
            for (j, row) in c.rows.enumerated() {
                kept.append((batch.tokenCount + row, c.values[(j * c.width)..<((j + 1) * c.width)]))
            }
            batch.append(ids: c.ids, typeIds: c.typeIds)
        }
        kept += kept.reversed()
        let twice = try model.forward(batch, keeping: kept.map(\.row))
        assertClose(
            outputs(twice, head: loaded, rows: Array(kept.indices)), kept.flatMap(\.values),
            "\(label): every kept row twice", floor: floor)
        var empty = RaggedBatch()
        empty.append(ids: cases[0].ids, typeIds: cases[0].typeIds)
        XCTAssertEqual(try model.forward(empty, keeping: []).tokenCount, 0, label)
        XCTAssertThrowsError(try model.forward(empty, keeping: [cases[0].ids.count]), label)
    }

    func testBertMatchesTransformersForEveryHead() throws { try check("bert") }
    func testDistilBertMatchesTransformersForEveryHead() throws { try check("distilbert") }
    func testRobertaMatchesTransformersForEveryHead() throws { try check("roberta") }
    func testXLMRobertaMatchesTransformersForEveryHead() throws { try check("xlm-roberta") }
    func testCamembertMatchesTransformersForEveryHead() throws { try check("camembert") }
    func testElectraMatchesTransformersForEveryHead() throws { try check("electra") }
    func testMPNetMatchesTransformersForEveryHead() throws { try check("mpnet") }
    func testModernBertMatchesTransformersForEveryHead() throws { try check("modernbert") }
    func testQwen3MatchesTransformersForEveryHead() throws { try check("qwen3") }

    /// The row `Qwen3ForSequenceClassification` pooled in each fixture sequence (some end in the
    /// pad token's id, one is nothing else) is the one `SequencePooling.lastRow` picks.
    func testQwen3PoolsTheLastTokenThatIsNotPadding() throws {
        let (model, head, cases) = try load("qwen3", "sequence-classification")
        XCTAssertEqual(head?.pooling, .last)
        let pad = try XCTUnwrap(model.config.padTokenId)
        for c in cases {
            XCTAssertEqual([SequencePooling.lastRow(c.ids, padTokenId: pad)], c.rows, "\(c.ids)")
        }
        XCTAssertEqual(SequencePooling.lastRow([7, 0, 0], padTokenId: nil), 2)
    }

    /// A bf16 checkpoint loads both ways: widened to f32 (`--weights f32`), and kept as stored
    /// (`--weights bf16`), which computes the same values; both match transformers in f32 on
    /// those bf16 weights.
    func testQwen3Bf16CheckpointLoadsAsStoredAndWidened() throws {
        let folder = Self.folder("qwen3", "sequence-classification-bf16")
        let config = try EncoderConfig(contentsOf: folder.appendingPathComponent("config.json"))
        let cases = try load("qwen3", "sequence-classification-bf16").2
        for format in [DenseWeightFormat.f32, .bf16] {
            let weights = try WeightStore(
                files: [folder.appendingPathComponent("model.safetensors")], denseWeights: format,
                runtime: .forTests)
            let model = try EncoderModel(config: config, weights: weights)
            let head = try model.loadHead(.sequenceClassification)
            var batch = RaggedBatch()
            var rows: [Int] = []
            for c in cases {
                rows += c.rows.map { batch.tokenCount + $0 }
                batch.append(ids: c.ids, typeIds: c.typeIds)
            }
            let ours = head.logits(try model.forward(batch), rows: rows)
            let reference = cases.flatMap(\.values)
            assertClose(
                ours, reference, "bf16 checkpoint as \(format)", floor: reference.map { abs($0) }.max()!)
        }
    }

    func testDebertaV2MatchesTransformersForEveryHeadAndVariant() throws { try check("deberta-v2") }

    func testDebertaV2LogBucketsMatchTheReferenceExactly() throws {
        let url = Self.folder("deberta-v2", "base").appendingPathComponent("expected/relative_buckets.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let positions = json["relative_positions"] as! [Int]
        let tables = json["tables"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(tables.count, 5)
        for table in tables {
            let buckets = table["buckets"] as! Int
            let maxPosition = table["max_position"] as! Int
            let bucketing = DisentangledPositions(
                buckets: buckets, maxRelative: maxPosition, attentionSpan: buckets)
            XCTAssertEqual(
                positions.map(bucketing.bucket), table["values"] as! [Int],
                "\(buckets) buckets, \(maxPosition)")
        }
    }

    func testMPNetRelativeBucketsMatchTheReferenceExactly() throws {
        let url = Self.folder("mpnet", "base").appendingPathComponent("expected/relative_buckets.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let positions = json["relative_positions"] as! [Int]
        let buckets = json["buckets"] as! [Int]
        XCTAssertEqual(positions.map(MPNetRelativePositionBias.bucket), buckets)
    }

    func testHeadHelpersPickFirstTokensAndEveryToken() throws {
        let (model, head, cases) = try load("roberta", "sequence-classification")
        var batch = RaggedBatch()
        for c in cases { batch.append(ids: c.ids, typeIds: c.typeIds) }
        let hidden = try model.forward(batch)
        let head_ = try XCTUnwrap(head)
        XCTAssertEqual(
            head_.sequenceLogits(hidden), head_.logits(hidden, rows: batch.sequences.map(\.lowerBound)))
        XCTAssertEqual(head_.everyTokenLogits(hidden).count, batch.tokenCount * head_.outputWidth)
    }
}

/// The work the benchmarks' floors count: dense weights as the checkpoint holds them, and only
/// the attention pairs a window leaves visible.
final class EncoderCostTests: XCTestCase {
    func testDenseWeightCountIsTheLayersLinearWeights() throws {
        for family in ["bert", "modernbert"] {
            let folder = ArchitectureTests.folder(family, "base")
            let file = try SafeTensorsFile(url: folder.appendingPathComponent("model.safetensors"))
            let model = try EncoderModel(folder: try ModelFolder(path: folder.path), runtime: .forTests)
            // Every two-dimensional weight inside the layers is a linear layer's.
            let inLayers = file.names.filter { $0.contains("layer") && $0.hasSuffix(".weight") }
            let expected = inLayers.compactMap { file.shape(of: $0) }.filter { $0.count == 2 }.map {
                $0[0] * $0[1]
            }
            XCTAssertEqual(model.denseWeightCount, expected.reduce(0, +), family)
        }
    }

    func testWindowedLayersCountOnlyThePairsInsideTheirWindow() throws {
        for (radius, length) in [(0, 5), (4, 1), (4, 9), (4, 70), (64, 30)] {
            let pairs = (0..<length).flatMap { i in (0..<length).map { j in abs(i - j) <= radius ? 1 : 0 } }
            XCTAssertEqual(
                VisibilityBias.window(radius: radius, heads: 1).visiblePairs(length: length),
                pairs.reduce(0, +))
            // Causal, and causal within a window of `radius + 1` keys (Qwen3's sliding layers).
            let causal = (0..<length).flatMap { i in (0..<length).map { j in j <= i ? 1 : 0 } }
            XCTAssertEqual(VisibilityBias.causal(heads: 1).visiblePairs(length: length), causal.reduce(0, +))
            let windowed = (0..<length).flatMap { i in
                (0..<length).map { j in j <= i && j > i - radius - 1 ? 1 : 0 }
            }
            XCTAssertEqual(
                VisibilityBias.causal(window: radius + 1, heads: 1).visiblePairs(length: length),
                windowed.reduce(0, +))
        }
        // modernbert/base: three layers of width 32, the middle one windowed (radius 4).
        let folder = ArchitectureTests.folder("modernbert", "base")
        let model = try EncoderModel(folder: try ModelFolder(path: folder.path), runtime: .forTests)
        let windowed = VisibilityBias.window(radius: 4, heads: 2).visiblePairs(length: 70)!
        XCTAssertEqual(model.attentionMultiplyAdds(length: 70), 2 * 32 * (2 * 70 * 70 + windowed))
    }
}
