import Foundation
import SluiceTensors
import XCTest

@testable import SluiceModels

/// How `WeightStore` hands dense layers their weights in each `DenseWeightFormat`.
final class DenseWeightFormatTests: XCTestCase {
    /// A one-tensor safetensors file `w` of `dtype` with these raw little-endian bytes.
    private func file(dtype: String, shape: [Int], bytes: [UInt8]) throws -> URL {
        var header = #"{"w":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[0,\#(bytes.count)]}}"#
        while header.utf8.count % 8 != 0 { header += " " }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: bytes)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-\(UUID().uuidString).safetensors")
        try data.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    func testABFloat16CheckpointKeepsItsOwnBits() throws {
        let bits: [UInt16] = [0x3f80, 0xbfc0, 0x4049, 0x0000, 0x3f81, 0xc2f7]  // 1, -1.5, 3.14…, 0, …
        let url = try file(dtype: "BF16", shape: [2, 3], bytes: littleEndianBytes(bits))
        let store = try WeightStore(files: [url], denseWeights: .bf16, runtime: .forTests)
        // Viewed in the file's mapping (WeightStore.linearWeight), not widened and rounded again.
        guard case .bf16(let weights) = try store.linearWeight("w", shape: [2, 3]) else {
            return XCTFail("a bf16 layer should hold bf16 weights")
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: weights.baseAddress, count: 6)), bits)
    }

    func testF32WeightsAreRoundedForBFloat16AndQuantizedForInt8() throws {
        let values: [Float] = [1, -1.5, 3.141_592_7, 0, 1.003_906_3, -123.75]
        let url = try file(dtype: "F32", shape: [2, 3], bytes: littleEndianBytes(values.map(\.bitPattern)))
        guard
            case .bf16(let bf16) = try WeightStore(files: [url], denseWeights: .bf16, runtime: .forTests)
                .linearWeight(
                    "w", shape: [2, 3])
        else { return XCTFail("expected bf16") }
        XCTAssertEqual(
            Array(UnsafeBufferPointer(start: bf16.baseAddress, count: 6)),
            [0x3f80, 0xbfc0, 0x4049, 0x0000, 0x3f80, 0xc2f8])
        for format in [DenseWeightFormat.int8, .int8Dynamic] {
            let weight = try WeightStore(files: [url], denseWeights: format, runtime: .forTests).linearWeight(
                "w", shape: [2, 3])
            guard case .int8(let int8, let activations) = weight else { return XCTFail("expected int8") }
            XCTAssertEqual(weight.format, format)
            XCTAssertEqual(activations, format == .int8 ? .f32 : .quantized)
            XCTAssertEqual(int8.scales[0], Float(3.141_592_7) / 127)
            XCTAssertEqual(int8.values[2], 127)
            XCTAssertEqual(int8.values[5], -127)
        }
        guard
            case .f32(let f32) = try WeightStore(files: [url], runtime: .forTests).linearWeight(
                "w", shape: [2, 3])
        else {
            return XCTFail("expected f32")
        }
        XCTAssertEqual(Array(f32.buffer), values)
    }

    func testAWrongShapeNamesTheTensorInEveryFormat() throws {
        let url = try file(
            dtype: "BF16", shape: [2, 3], bytes: littleEndianBytes([UInt16](repeating: 0, count: 6)))
        for format in DenseWeightFormat.allCases {
            XCTAssertThrowsError(
                try WeightStore(files: [url], denseWeights: format, runtime: .forTests).linearWeight(
                    "w", shape: [3, 2])
            ) { error in
                XCTAssertTrue("\(error)".contains("w"), "\(format): \(error)")
                XCTAssertTrue("\(error)".contains("[3, 2]"), "\(format): \(error)")
            }
        }
    }
}
