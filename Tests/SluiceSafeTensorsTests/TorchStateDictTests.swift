import Foundation
import SluiceJSON
import XCTest

@testable import SluiceSafeTensors

/// The `torch.save` reader against the files and values torch wrote
/// (scripts/fixtures/make_pipeline_feature_fixtures.py): float32 tensors, views with an offset
/// and a transposed stride, a scalar and an empty tensor are read exactly; the legacy format
/// and other dtypes are refused with a message that names what was found.
final class TorchStateDictTests: XCTestCase {
    private let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/torch-state-dicts")

    func testFloatTensorsReadAsTorchWroteThem() throws {
        let expected = try JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("expected.json")))
        guard case .object(let entries) = expected else { return XCTFail("expected.json is not an object") }
        for file in ["float32.bin", "ordered.bin"] {
            let state = try TorchStateDict(url: folder.appendingPathComponent(file))
            XCTAssertEqual(state.names, entries.map(\.0), file)
            for (name, tensor) in entries {
                guard case .array(let shape) = tensor["shape"], case .array(let values) = tensor["values"]
                else {
                    return XCTFail("bad expected entry \(name)")
                }
                let dims = shape.compactMap { if case .int(let d) = $0 { d } else { nil } }
                let reference = values.map { value -> Float in
                    switch value {
                    case .number(let x): return Float(x)
                    case .int(let i): return Float(i)
                    default: return .nan
                    }
                }
                XCTAssertEqual(try state.tensor(name, shape: dims), reference, "\(file) \(name)")
            }
            XCTAssertThrowsError(try state.tensor("linear.weight", shape: [3, 4]))
            XCTAssertThrowsError(try state.tensor("missing", shape: [1]))
        }
    }

    func testOtherFormatsAndDtypesAreRefusedByName() throws {
        for (file, words) in [
            ("legacy.bin", "legacy"), ("int64.bin", "torch.LongStorage"),
            ("float64.bin", "torch.DoubleStorage"),
        ] {
            XCTAssertThrowsError(try TorchStateDict(url: folder.appendingPathComponent(file)), file) {
                error in
                XCTAssertNotNil(error as? SafeTensorsError, file)
                XCTAssertTrue("\(error)".contains(words), "\(file): \(error)")
            }
        }
        let notZip = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-not-a-zip.bin")
        try Data("not a zip archive at all, just some text".utf8).write(to: notZip)
        defer { try? FileManager.default.removeItem(at: notZip) }
        XCTAssertThrowsError(try TorchStateDict(url: notZip)) { error in
            XCTAssertNotNil(error as? SafeTensorsError)
        }
    }
}
