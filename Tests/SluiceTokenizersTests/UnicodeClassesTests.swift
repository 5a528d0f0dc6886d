import Foundation
import XCTest

@testable import SluiceTokenizers

/// The character classes and mappings behind BERT normalization and pre-tokenization agree with
/// the reference for every code point (`unicode_classes.json`, written by the fixture script).
final class UnicodeClassesTests: XCTestCase {
    struct Classes: Decodable {
        var removed_by_clean_text: [[UInt32]]
        var whitespace_to_space: [[UInt32]]
        var stripped_as_mark: [[UInt32]]
        var stripped_by_bert: [[UInt32]]
        var punctuation: [[UInt32]]
        var whitespace: [[UInt32]]
        var lowercase: [String: [UInt32]]
        var nfd: [String: [UInt32]]
    }

    static func load() throws -> Classes {
        let url = Fixtures.directory.appendingPathComponent("unicode_classes.json")
        return try JSONDecoder().decode(Classes.self, from: Data(contentsOf: url))
    }

    static func contains(_ ranges: [[UInt32]]) -> Set<UInt32> {
        var set = Set<UInt32>()
        for range in ranges { for value in range[0]...range[1] { set.insert(value) } }
        return set
    }

    static var allScalars: [Unicode.Scalar] {
        (0..<0x11_0000).compactMap { Unicode.Scalar(UInt32($0)) }
    }

    func check(_ name: String, _ expected: Set<UInt32>, _ predicate: (Unicode.Scalar) -> Bool) {
        var wrong = [String]()
        for scalar in Self.allScalars where predicate(scalar) != expected.contains(scalar.value) {
            wrong.append(String(format: "U+%04X", scalar.value))
        }
        XCTAssertEqual(wrong.count, 0, "\(name) differs from the reference for \(wrong.prefix(30))")
    }

    func testCleanTextRemovesTheSameControlCharactersAsReference() throws {
        let classes = try Self.load()
        check("removed by clean_text", Self.contains(classes.removed_by_clean_text)) { scalar in
            scalar.value == 0 || scalar.value == 0xFFFD || isBertControl(scalar)
        }
        let removed = Self.contains(classes.removed_by_clean_text)
        check("whitespace mapped to a space", Self.contains(classes.whitespace_to_space)) { scalar in
            !removed.contains(scalar.value) && scalar != " " && isBertWhitespace(scalar)
        }
    }

    func testPunctuationAndWhitespaceSplitLikeReference() throws {
        let classes = try Self.load()
        check("whitespace", Self.contains(classes.whitespace), isUnicodeWhitespace)
        check("punctuation", Self.contains(classes.punctuation)) { scalar in
            !isUnicodeWhitespace(scalar) && isBertPunctuation(scalar)
        }
    }

    func testAccentStrippingDropsTheSameMarksAsReference() throws {
        let classes = try Self.load()
        check("StripAccents marks", Self.contains(classes.stripped_as_mark), isCombiningMark)
        var decomposable = Set<UInt32>()
        for key in classes.nfd.keys { decomposable.insert(UInt32(key)!) }
        let expected = Self.contains(classes.stripped_by_bert)
        check("BertNormalizer marks", expected) { scalar in
            !decomposable.contains(scalar.value) && isNonspacingMark(scalar)
        }
    }

    func testLowercaseAndDecompositionMatchReference() throws {
        let classes = try Self.load()
        var wrong = [String]()
        for scalar in Self.allScalars {
            var lower = [Unicode.Scalar]()
            appendLowercase(of: scalar, to: &lower)
            let expectedLower = classes.lowercase[String(scalar.value)] ?? [scalar.value]
            if lower.map(\.value) != expectedLower {
                wrong.append(String(format: "lower U+%04X", scalar.value))
            }
            var decomposed = [Unicode.Scalar]()
            appendDecomposition(of: scalar, compatibility: false, to: &decomposed)
            let expectedNFD = classes.nfd[String(scalar.value)] ?? [scalar.value]
            if decomposed.map(\.value) != expectedNFD {
                wrong.append(String(format: "nfd U+%04X", scalar.value))
            }
        }
        XCTAssertEqual(wrong.count, 0, "mappings differ: \(wrong.prefix(30))")
    }
}
