import Foundation
import SluiceJSON
import SluiceModels
import SluicePipelines
import XCTest

/// The committed fixtures (scripts/fixtures/make_model_fixtures.py) and the real default model.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    static func folder(_ name: String) throws -> ModelFolder {
        try ModelFolder(path: root.appendingPathComponent(name).path)
    }

    /// all-MiniLM-L6-v2 as scripts/setup.sh fetches it (or where SLUICE_TEST_MODEL_DIR says).
    /// Its absence is a failure, not a skip: the test script always provides it.
    static func miniLM() throws -> ModelFolder {
        let repoCopy = root.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("models/all-MiniLM-L6-v2").path
        let path = ProcessInfo.processInfo.environment["SLUICE_TEST_MODEL_DIR"] ?? repoCopy
        guard FileManager.default.fileExists(atPath: path + "/model.safetensors") else {
            XCTFail("all-MiniLM-L6-v2 is missing at \(path): run scripts/setup.sh")
            throw ModelError("missing \(path)")
        }
        return try ModelFolder(path: path)
    }

    static func jsonLines(_ relativePath: String) throws -> [JSONValue] {
        let text = try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
    }
}

/// Structural equality with floats within `tolerance`; everything else identical, keys in order.
func assertSameJSON(
    _ ours: JSONValue, _ reference: JSONValue, tolerance: Double = 1e-4, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    if let difference = firstDifference(ours, reference, tolerance: tolerance, path: "$") {
        XCTFail("\(label): \(difference)", file: file, line: line)
    }
}

private func firstDifference(_ a: JSONValue, _ b: JSONValue, tolerance: Double, path: String) -> String? {
    switch (a, b) {
    case (.number(let x), .number(let y)):
        return abs(x - y) <= tolerance ? nil : "\(path): \(x) vs reference \(y)"
    case (.array(let xs), .array(let ys)):
        guard xs.count == ys.count else { return "\(path): \(xs.count) items vs reference \(ys.count)" }
        for (i, (x, y)) in zip(xs, ys).enumerated() {
            if let d = firstDifference(x, y, tolerance: tolerance, path: "\(path)[\(i)]") { return d }
        }
        return nil
    case (.object(let xs), .object(let ys)):
        guard xs.map(\.0) == ys.map(\.0) else {
            return "\(path): keys \(xs.map(\.0)) vs reference \(ys.map(\.0))"
        }
        for ((key, x), (_, y)) in zip(xs, ys) {
            if let d = firstDifference(x, y, tolerance: tolerance, path: "\(path).\(key)") { return d }
        }
        return nil
    default:
        return a == b ? nil : "\(path): \(a.pythonJSON) vs reference \(b.pythonJSON)"
    }
}
