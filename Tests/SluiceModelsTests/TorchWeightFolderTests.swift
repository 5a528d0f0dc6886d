import Foundation
import XCTest

@testable import SluiceModels

/// A model folder whose weights are torch `.bin` files (one `pytorch_model.bin`, or shards and
/// their `pytorch_model.bin.index.json`) loads through the same weight lookup as safetensors
/// and answers exactly as its safetensors form (scripts/fixtures/make_torch_bin_fixtures.py
/// converted the architecture fixtures with torch).
final class TorchWeightFolderTests: XCTestCase {
    private let conversions = [
        ("torch-bin/bert-masked-lm", "architectures/bert/masked-lm"),
        ("torch-bin/distilbert-sequence-classification", "architectures/distilbert/sequence-classification"),
        ("torch-bin/mpnet-masked-lm", "architectures/mpnet/masked-lm"),
    ]

    func testATorchBinFolderAnswersExactlyAsItsSafetensorsForm() throws {
        for (converted, source) in conversions {
            let torchFolder = try ModelFolder(path: FixturePaths.model(converted).path)
            let safeFolder = try ModelFolder(path: FixturePaths.model(source).path)
            let files = try torchFolder.weightFiles()
            XCTAssertTrue(files.allSatisfy { $0.pathExtension == "bin" }, "\(converted): \(files)")
            let fromTorch = try EncoderModel(folder: torchFolder, runtime: .forTests)
            let fromSafe = try EncoderModel(folder: safeFolder, runtime: .forTests)
            var batch = RaggedBatch()
            for row in try FixturePaths.jsonLines(safeFolder.file("expected/logits.jsonl")) {
                batch.append(ids: row["ids"] as! [Int], typeIds: row["type_ids"] as! [Int])
            }
            let hiddenTorch = try fromTorch.forward(batch)
            let hiddenSafe = try fromSafe.forward(batch)
            XCTAssertEqual(hiddenTorch.values, hiddenSafe.values, converted)
            let kind = try XCTUnwrap(try fromSafe.config.checkpointHead(), converted)
            XCTAssertEqual(
                try fromTorch.loadHead(kind).everyTokenLogits(hiddenTorch),
                try fromSafe.loadHead(kind).everyTokenLogits(hiddenSafe), converted)
        }
    }

    func testSafetensorsArePreferredWhenBothFormatsAreThere() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let source = FixturePaths.model("torch-bin/bert-masked-lm")
        for name in ["config.json", "pytorch_model.bin"] {
            try FileManager.default.copyItem(
                at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let model = try ModelFolder(path: folder.path)
        XCTAssertEqual(try model.weightFiles().map(\.lastPathComponent), ["pytorch_model.bin"])
        try FileManager.default.copyItem(
            at: FixturePaths.model("architectures/bert/masked-lm/model.safetensors"),
            to: folder.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(try model.weightFiles().map(\.lastPathComponent), ["model.safetensors"])
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("pytorch_model.bin"))
        XCTAssertThrowsError(try model.weightFiles()) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors"), "\(error)")
        }
    }
}
