import XCTest

@testable import SluiceTokenizers

/// Alignment tracking: every normalized scalar knows which original scalars it came from.
final class NormalizedStringTests: XCTestCase {
    func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    func testLowercasingThatAddsAScalarAlignsBothToTheSource() {
        var string = NormalizedString(scalars("aİb"))
        string.lowercase()
        XCTAssertEqual(string.normalized.map(\.value), [0x61, 0x69, 0x307, 0x62])
        XCTAssertEqual(string.alignments.map(\.start), [0, 1, 1, 2])
        XCTAssertEqual(string.alignments.map(\.end), [1, 2, 2, 3])
    }

    func testDecompositionAlignsEveryPieceToItsPrecomposedScalar() {
        var string = NormalizedString(scalars("xé"))
        string.decompose(compatibility: false)
        XCTAssertEqual(string.normalized.map(\.value), [0x78, 0x65, 0x301])
        XCTAssertEqual(
            string.alignments, [.init(start: 0, end: 1), .init(start: 1, end: 2), .init(start: 1, end: 2)])
    }

    func testFilteredScalarsLeaveNoAlignment() {
        var string = NormalizedString(scalars("a\u{0}b"))
        string.filter { $0.value != 0 }
        XCTAssertEqual(string.string, "ab")
        XCTAssertEqual(string.originalRange(ofNormalized: 1..<2), 2..<3)
    }

    func testSliceKeepsOffsetsIntoTheWholeInput() {
        var string = NormalizedString(scalars("ab cd"))
        string.lowercase()
        let slice = string.slice(3..<5)
        XCTAssertEqual(slice.string, "cd")
        XCTAssertEqual(slice.originalShift, 3)
        XCTAssertEqual(slice.originalRange(ofNormalized: 0..<2), 0..<2)
    }

    func testCompositionKeepsTheStartersAlignment() {
        var string = NormalizedString(scalars("e\u{301}x"))
        string.compose(compatibility: false)
        XCTAssertEqual(string.normalized.map(\.value), [0xE9, 0x78])
        XCTAssertEqual(string.alignments, [.init(start: 0, end: 1), .init(start: 2, end: 3)])
    }

    func testIsolatedSplitKeepsEachDelimiterAsItsOwnPiece() {
        let pieces = NormalizedString(scalars("a,,b")).split(where: { $0 == "," }, behavior: .isolated)
        XCTAssertEqual(pieces.map(\.string), ["a", ",", ",", "b"])
        XCTAssertEqual(pieces.map(\.originalShift), [0, 1, 2, 3])
    }
}
