import Foundation
import XCTest

@testable import SluiceTokenizers

/// One line of `tokenizer_cases.jsonl` (written by scripts/fixtures/make_tokenizer_fixtures.py).
struct FixtureCase: Decodable {
    struct Truncation: Decodable {
        var max_length: Int
        var stride: Int
        var strategy: String
        var direction: String
    }

    struct Padding: Decodable {
        var length: Int?
        var pad_to_multiple_of: Int?
        var direction: String
        var pad_id: Int
        var pad_type_id: Int
        var pad_token: String
    }

    struct Expected: Decodable {
        var ids: [Int]
        var type_ids: [Int]
        var tokens: [String]
        var offsets: [[Int]]
        var special_tokens_mask: [Int]
        var attention_mask: [Int]
        var sequence_ids: [Int?]
        var word_ids: [Int?]
        var overflowing: [Expected]?
    }

    var kind: String?
    var tokenizer: String?
    var text: String?
    var pair: String?
    var add_special_tokens: Bool?
    var truncation: Truncation?
    var padding: Padding?
    var use_file_settings: Bool?
    var error: String?
    var expected: Expected?
    var decoded: String?
    var decoded_with_special: String?
    var vocab_size: Int?
    var token_to_id: [String: Int?]?
    var id_to_token: [String: String?]?
}

enum Fixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func tokenizerURL(_ name: String) -> URL {
        directory.appendingPathComponent(name).appendingPathComponent("tokenizer.json")
    }

    static func loadCases() throws -> [FixtureCase] {
        let data = try Data(contentsOf: directory.appendingPathComponent("tokenizer_cases.jsonl"))
        let decoder = JSONDecoder()
        var cases = [FixtureCase]()
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            cases.append(try decoder.decode(FixtureCase.self, from: Data(line)))
        }
        return cases
    }
}

/// Strings compared by scalars: Swift's `==` on String is canonical equivalence, which would
/// hide a wrong "é" versus "e\u{301}".
func sameScalars(_ lhs: String, _ rhs: String) -> Bool {
    lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars)
}

func describe(_ text: String) -> String {
    text.unicodeScalars.map { scalar in
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || scalar.value > 0x7E
            ? String(format: "\\u{%X}", scalar.value) : String(scalar)
    }.joined()
}

/// The first field where `actual` differs from the reference, or `nil` when all agree.
func firstDifference(_ expected: FixtureCase.Expected, _ actual: Encoding, path: String = "") -> String? {
    func differ<T: Equatable>(_ name: String, _ want: T, _ got: T) -> String? {
        want == got ? nil : "\(path)\(name): expected \(want), got \(got)"
    }
    if let d = differ("ids", expected.ids, actual.ids) { return d }
    if expected.tokens.count != actual.tokens.count
        || zip(expected.tokens, actual.tokens).contains(where: { !sameScalars($0, $1) })
    {
        return "\(path)tokens: expected \(expected.tokens.map(describe)), got \(actual.tokens.map(describe))"
    }
    let offsets = actual.offsets.map { [$0.start, $0.end] }
    if let d = differ("offsets", expected.offsets, offsets) { return d }
    if let d = differ("type_ids", expected.type_ids, actual.typeIds) { return d }
    if let d = differ("special_tokens_mask", expected.special_tokens_mask, actual.specialTokensMask) {
        return d
    }
    if let d = differ("attention_mask", expected.attention_mask, actual.attentionMask) { return d }
    if let d = differ("sequence_ids", expected.sequence_ids, actual.sequenceIds) { return d }
    if let d = differ("word_ids", expected.word_ids, actual.wordIds) { return d }
    let overflowing = expected.overflowing ?? []
    if overflowing.count != actual.overflowing.count {
        return "\(path)overflowing.count: expected \(overflowing.count), got \(actual.overflowing.count)"
    }
    for (index, (want, got)) in zip(overflowing, actual.overflowing).enumerated() {
        if let d = firstDifference(want, got, path: "\(path)overflowing[\(index)].") { return d }
    }
    return nil
}

extension TruncationParameters {
    init(fixture: FixtureCase.Truncation) {
        let strategy: Strategy =
            switch fixture.strategy {
            case "only_first": .onlyFirst
            case "only_second": .onlySecond
            default: .longestFirst
            }
        self.init(
            maxLength: fixture.max_length, stride: fixture.stride, strategy: strategy,
            direction: fixture.direction == "left" ? .left : .right)
    }
}

extension PaddingParameters {
    init(fixture: FixtureCase.Padding) {
        self.init(
            strategy: fixture.length.map { .fixed($0) } ?? .batchLongest,
            direction: fixture.direction == "left" ? .left : .right,
            padToMultipleOf: fixture.pad_to_multiple_of, padId: fixture.pad_id,
            padTypeId: fixture.pad_type_id, padToken: fixture.pad_token)
    }
}
