import XCTest

@testable import SluiceSafeTensors

/// Damaged files must be rejected with an error naming the file and the problem, never a crash.
final class HeaderValidationTests: XCTestCase {
    private var writer: SafeTensorsWriter!

    override func setUpWithError() throws {
        writer = try SafeTensorsWriter()
    }

    override func tearDown() {
        writer.removeAll()
    }

    /// A small valid file: `a` is 2 f32 values, `b` is 1 f32 value (12 data bytes).
    private let twoTensors = SafeTensorsWriter.validFile([
        .init(name: "a", dtype: "F32", shape: [2], bytes: bytes(ofFloats: [1, 2])),
        .init(name: "b", dtype: "F32", shape: [1], bytes: bytes(ofFloats: [3])),
    ])

    /// Asserts that opening `fileBytes` fails with a problem containing every fragment.
    private func assertRejected(
        _ fileBytes: [UInt8], mentioning fragments: String..., file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let url = try writer.write(fileBytes, as: "damaged.safetensors")
        do throws(SafeTensorsError) {
            _ = try SafeTensorsFile(url: url)
            XCTFail("file was accepted", file: file, line: line)
        } catch {
            XCTAssertEqual(error.path, url.path(percentEncoded: false), file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix(error.path + ": "), file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(
                    error.problem.contains(fragment), "'\(error.problem)' lacks '\(fragment)'",
                    file: file, line: line)
            }
        }
    }

    /// A header holding one tensor entry `name` with the given JSON fields.
    private func header(_ entries: String...) -> String {
        "{" + entries.joined(separator: ",") + "}"
    }

    func testValidFixtureIsAccepted() throws {
        let url = try writer.write(twoTensors, as: "valid.safetensors")
        XCTAssertEqual(try SafeTensorsFile(url: url).names, ["a", "b"])
    }

    func testEmptyFileIsRejected() throws {
        try assertRejected([], mentioning: "0 bytes", "too short")
    }

    func testFileShorterThanLengthFieldIsRejected() throws {
        try assertRejected([1, 0, 0], mentioning: "3 bytes", "too short")
    }

    func testFileTruncatedInsideHeaderIsRejected() throws {
        try assertRejected(
            Array(twoTensors.prefix(20)), mentioning: "header length", "past the end of the file")
    }

    func testFileTruncatedInsideDataIsRejected() throws {
        try assertRejected(
            Array(twoTensors.dropLast(2)), mentioning: "tensor 'b'", "data_offsets end 12", "(10 bytes;")
    }

    func testHeaderLengthLargerThanFileIsRejected() throws {
        let bytes = SafeTensorsWriter.file(header: "{}", declaredLength: 4096)
        try assertRejected(bytes, mentioning: "header length 4096", "only 2 bytes follow")
    }

    func testHugeHeaderLengthIsRejectedBeforeReading() throws {
        let bytes = SafeTensorsWriter.file(header: "{}", declaredLength: UInt64.max)
        try assertRejected(bytes, mentioning: "\(UInt64.max)", "exceeds the limit of 100000000 bytes")
    }

    func testHeaderThatIsNotJSONIsRejected() throws {
        try assertRejected(
            SafeTensorsWriter.file(header: "{\"a\": nope}"), mentioning: "not valid JSON", "byte 6")
    }

    func testLoneSurrogateEscapeIsRejectedAsTheReferenceRejectsIt() throws {
        try assertRejected(
            SafeTensorsWriter.file(
                header: #"{"\ud800": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}"#),
            mentioning: "not valid JSON", "lone surrogate")
    }

    func testHeaderThatIsNotUTF8IsRejected() throws {
        let bytes = SafeTensorsWriter.file(
            headerBytes: Array("{\"".utf8) + [0xFF, 0xFE] + Array("\":1}".utf8))
        try assertRejected(bytes, mentioning: "not valid UTF-8")
    }

    func testHeaderThatIsNotAnObjectIsRejected() throws {
        try assertRejected(SafeTensorsWriter.file(header: "[1, 2]"), mentioning: "an array", "JSON object")
    }

    func testTextAfterTheHeaderObjectIsRejected() throws {
        try assertRejected(SafeTensorsWriter.file(header: "{} {}"), mentioning: "after the JSON value")
    }

    func testDeeplyNestedHeaderIsRejectedWithoutExhaustingTheStack() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try assertRejected(SafeTensorsWriter.file(header: "{\"a\":\(deep)}"), mentioning: "nesting deeper")
    }

    func testUnknownDTypeIsNamed() throws {
        let text = header(#""w":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}"#)
        try assertRejected(SafeTensorsWriter.file(header: text, data: [0]), mentioning: "tensor 'w'", "'F7'")
    }

    func testMissingFieldIsNamed() throws {
        let text = header(#""w":{"dtype":"F32","data_offsets":[0,4]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: [0, 0, 0, 0]), mentioning: "'w'", "'shape'")
    }

    func testOffsetsPastDataSectionAreRejected() throws {
        let text = header(#""w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: Array(repeating: 0, count: 8)),
            mentioning: "tensor 'w'", "end 12", "past the end of the data section (8 bytes;")
    }

    func testOffsetsBeginAfterEndAreRejected() throws {
        let text = header(#""w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: [0, 0, 0, 0]), mentioning: "'w'",
            "begin 4 is after end 0")
    }

    func testOffsetsWithThreeEntriesAreRejected() throws {
        let text = header(#""w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}"#)
        try assertRejected(SafeTensorsWriter.file(header: text, data: [0]), mentioning: "'w'", "3 entries")
    }

    func testHugeOffsetIsRejected() throws {
        let text = header(#""w":{"dtype":"U8","shape":[1],"data_offsets":[0,99999999999999999999999]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: [0]), mentioning: "'data_offsets'[1]", "too large")
    }

    func testSizeMismatchBetweenShapeAndOffsetsIsRejected() throws {
        let text = header(#""w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: Array(repeating: 0, count: 8)),
            mentioning: "tensor 'w'", "span 8 bytes", "shape [3] of F32", "needs 12")
    }

    func testOverlappingTensorsAreRejected() throws {
        let text = header(
            #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#,
            #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: Array(repeating: 0, count: 12)),
            mentioning: "'b'", "overlap", "'a'")
    }

    func testHoleInDataSectionIsRejected() throws {
        let text = header(
            #""a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#,
            #""b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: Array(repeating: 0, count: 12)),
            mentioning: "bytes 4..<8", "belong to no tensor", "'b'")
    }

    func testBytesAfterLastTensorAreRejected() throws {
        try assertRejected(twoTensors + [0, 0, 0, 0], mentioning: "16 bytes", "cover only 12")
    }

    func testNegativeShapeIsRejected() throws {
        let text = header(#""w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,0]}"#)
        try assertRejected(SafeTensorsWriter.file(header: text), mentioning: "'w'", "'shape'[1]", "negative")
    }

    func testFractionalShapeIsRejected() throws {
        let text = header(#""w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}"#)
        try assertRejected(SafeTensorsWriter.file(header: text), mentioning: "'shape'[0]", "1.5")
    }

    func testShapeWhoseElementCountOverflowsIsRejected() throws {
        let big = Int.max / 2
        let text = header(#""w":{"dtype":"F32","shape":[\#(big),\#(big)],"data_offsets":[0,0]}"#)
        try assertRejected(SafeTensorsWriter.file(header: text), mentioning: "'w'", "too many elements")
    }

    func testShapeWhoseByteCountOverflowsIsRejected() throws {
        let text = header(#""w":{"dtype":"F32","shape":[\#(Int.max / 2)],"data_offsets":[0,0]}"#)
        try assertRejected(SafeTensorsWriter.file(header: text), mentioning: "'w'", "too many bytes")
    }

    func testNonStringMetadataIsRejected() throws {
        try assertRejected(
            SafeTensorsWriter.file(header: #"{"__metadata__":{"format":1}}"#),
            mentioning: "__metadata__", "'format'", "a number")
    }

    func testDuplicateTensorNameIsRejected() throws {
        let text = header(
            #""a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}"#,
            #""a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}"#)
        try assertRejected(
            SafeTensorsWriter.file(header: text, data: [0, 0]), mentioning: "two entries named 'a'")
    }

    func testUnknownTensorFieldsAreIgnored() throws {
        let text = header(#""w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":[{}]}"#)
        let url = try writer.write(SafeTensorsWriter.file(header: text, data: [7]), as: "extra.safetensors")
        XCTAssertEqual(try SafeTensorsFile(url: url).info("w")?.shape, [1])
    }

    func testEmptyTensorsAtTheSameOffsetAreAccepted() throws {
        let text = header(
            #""e1":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}"#,
            #""e2":{"dtype":"F16","shape":[4,0],"data_offsets":[0,0]}"#,
            #""s":{"dtype":"U8","shape":[],"data_offsets":[0,1]}"#)
        let url = try writer.write(SafeTensorsWriter.file(header: text, data: [9]), as: "empty.safetensors")
        let file = try SafeTensorsFile(url: url)
        XCTAssertEqual(file.names, ["e1", "e2", "s"])
        XCTAssertEqual(try file.floats("e1").count, 0)
        XCTAssertEqual(try file.floats("e2").count, 0)
        XCTAssertEqual(file.info("s")?.elementCount, 1)
    }

    func testEmptyHeaderObjectIsAnEmptyFile() throws {
        let url = try writer.write(SafeTensorsWriter.file(header: "{}      "), as: "none.safetensors")
        let file = try SafeTensorsFile(url: url)
        XCTAssertEqual(file.names, [])
        XCTAssertEqual(file.metadata, [:])
    }

    func testMissingFileIsRejectedWithItsPath() throws {
        let url = writer.directory.appendingPathComponent("absent.safetensors")
        do throws(SafeTensorsError) {
            _ = try SafeTensorsFile(url: url)
            XCTFail("missing file was accepted")
        } catch {
            XCTAssertEqual(error.path, url.path(percentEncoded: false))
            XCTAssertTrue(error.problem.contains("cannot open"), error.problem)
        }
    }

    func testDirectoryIsRejected() throws {
        do throws(SafeTensorsError) {
            _ = try SafeTensorsFile(url: writer.directory)
            XCTFail("directory was accepted")
        } catch {
            XCTAssertTrue(error.problem.contains("not a regular file"), error.problem)
        }
    }
}
