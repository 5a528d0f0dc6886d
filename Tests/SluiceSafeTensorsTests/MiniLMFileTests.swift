import Foundation
import SluiceSafeTensors
import XCTest

/// Reads a real checkpoint when `SLUICE_TEST_MODEL_DIR` names a folder with `model.safetensors`.
final class MiniLMFileTests: XCTestCase {
    func testRealCheckpointOpensAndEveryFloatTensorReads() throws {
        guard let folder = ProcessInfo.processInfo.environment["SLUICE_TEST_MODEL_DIR"] else {
            throw XCTSkip("SLUICE_TEST_MODEL_DIR is not set; skipping the real-checkpoint test")
        }
        let url = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: url.path(percentEncoded: false)) else {
            throw XCTSkip("no model.safetensors in \(folder)")
        }
        let file = try SafeTensorsFile(url: url)
        XCTAssertFalse(file.names.isEmpty)
        var total = 0
        for name in file.names {
            let info = try XCTUnwrap(file.info(name))
            guard info.dtype.convertsToFloat else { continue }
            let data = try file.floats(name)
            XCTAssertEqual(data.count, info.elementCount, name)
            if info.dtype == .f32 {
                // The reference writer pads the header so that data starts 8-byte aligned.
                XCTAssertTrue(data.isZeroCopy, "\(name) was copied")
            }
            let finite = data.withUnsafeBufferPointer { $0.allSatisfy(\.isFinite) }
            XCTAssertTrue(finite, "\(name) holds non-finite values")
            total += data.count
        }
        print(
            "read \(file.names.count) tensors, \(total) float values from \(url.path(percentEncoded: false))")
    }
}
