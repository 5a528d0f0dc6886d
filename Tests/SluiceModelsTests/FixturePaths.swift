import Foundation

/// The committed model fixtures (made by scripts/fixtures/make_model_fixtures.py).
enum FixturePaths {
    static let models = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    static func model(_ name: String) -> URL { models.appendingPathComponent(name) }

    /// One JSON object per line.
    static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
