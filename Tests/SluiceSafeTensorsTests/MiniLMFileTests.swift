import Foundation
import SluiceSafeTensors
import XCTest

/// Reads the real all-MiniLM-L6-v2 checkpoint: where `SLUICE_TEST_MODEL_DIR` says, else the
/// repository's `models/all-MiniLM-L6-v2` (scripts/setup.sh fetches it). Its absence is a
/// failure, not a skip: the test script always provides it.
final class MiniLMFileTests: XCTestCase {
    func testRealCheckpointOpensAndEveryFloatTensorReads() throws {
        let repoCopy = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/all-MiniLM-L6-v2").path
        let folder = ProcessInfo.processInfo.environment["SLUICE_TEST_MODEL_DIR"] ?? repoCopy
        let url = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: url.path(percentEncoded: false)) else {
            return XCTFail("no model.safetensors in \(folder): run scripts/setup.sh")
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
