import XCTest

@testable import SluiceSafeTensors

/// Reading valid files: lookup, metadata, zero-copy f32 views and converted copies.
final class SafeTensorsFileTests: XCTestCase {
    private var writer: SafeTensorsWriter!

    override func setUpWithError() throws {
        writer = try SafeTensorsWriter()
    }

    override func tearDown() {
        writer.removeAll()
    }

    private func open(_ fileBytes: [UInt8], as name: String = "model.safetensors") throws -> SafeTensorsFile {
        try SafeTensorsFile(url: writer.write(fileBytes, as: name))
    }

    private func values(_ data: FloatTensorData) -> [Float] {
        data.withUnsafeBufferPointer { Array($0) }
    }

    func testNamesAreSortedAndInfoDescribesEachTensor() throws {
        let file = try open(
            SafeTensorsWriter.validFile([
                .init(name: "z.bias", dtype: "F32", shape: [2], bytes: bytes(ofFloats: [0, 0])),
                .init(name: "a.ids", dtype: "I64", shape: [1, 2], bytes: Array(repeating: 0, count: 16)),
                .init(name: "m.mask", dtype: "BOOL", shape: [3], bytes: [1, 0, 1]),
            ]))
        XCTAssertEqual(file.names, ["a.ids", "m.mask", "z.bias"])
        let ids = try XCTUnwrap(file.info("a.ids"))
        XCTAssertEqual(ids.dtype, .i64)
        XCTAssertEqual(ids.shape, [1, 2])
        XCTAssertEqual(ids.byteRange, 8..<24)
        XCTAssertEqual(ids.elementCount, 2)
        XCTAssertEqual(file.info("z.bias")?.byteRange, 0..<8)
        XCTAssertNil(file.info("missing"))
    }

    func testMetadataIsRead() throws {
        let file = try open(SafeTensorsWriter.validFile([], metadata: ["format": "pt", "note": "é"]))
        XCTAssertEqual(file.metadata, ["format": "pt", "note": "é"])
    }

    func testEscapedNamesAreDecoded() throws {
        let header = #"{"caf\u00e9.\ud83d\ude00\"q\"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        let file = try open(SafeTensorsWriter.file(header: header, data: [5]))
        XCTAssertEqual(file.names, ["café.😀\"q\""])
    }

    func testAlignedF32IsViewedInPlace() throws {
        let weights: [Float] = [1.5, -2.25, 3.0e-20, .infinity, 7]
        let file = try open(
            SafeTensorsWriter.validFile([
                .init(name: "w", dtype: "F32", shape: [5], bytes: bytes(ofFloats: weights)),
                .init(name: "v", dtype: "F32", shape: [1, 1], bytes: bytes(ofFloats: [9])),
            ]))
        let data = try file.floats("v")
        XCTAssertTrue(data.isZeroCopy)
        XCTAssertEqual(data.shape, [1, 1])
        XCTAssertEqual(values(data), [9])

        let w = try file.floats("w")
        XCTAssertTrue(w.isZeroCopy)
        XCTAssertEqual(w.count, 5)
        XCTAssertEqual(values(w), weights)
        // The view is the tensor's bytes inside the mapping, not a copy.
        let mapped = file.mappedBytes
        let mappedStart = try XCTUnwrap(mapped.baseAddress)
        let dataStart = mapped.count - 24
        XCTAssertEqual(UnsafeRawPointer(w.baseAddress), mappedStart + dataStart)
        XCTAssertEqual(UnsafeRawPointer(data.baseAddress), mappedStart + dataStart + 20)
    }

    func testMisalignedF32IsCopied() throws {
        let weights: [Float] = [0.1, 0.2, -0.3]
        let file = try open(
            SafeTensorsWriter.validFile(
                [.init(name: "w", dtype: "F32", shape: [3], bytes: bytes(ofFloats: weights))], extraPadding: 2
            ))
        let data = try file.floats("w")
        XCTAssertFalse(data.isZeroCopy)
        XCTAssertEqual(values(data), weights)
        XCTAssertEqual(Int(bitPattern: data.baseAddress) % MemoryLayout<Float>.alignment, 0)
    }

    func testF16IsConvertedToF32() throws {
        let file = try open(
            SafeTensorsWriter.validFile([
                .init(
                    name: "h", dtype: "F16", shape: [2, 3],
                    bytes: bytes(ofHalfBits: [0x3C00, 0xC000, 0x0001, 0x7C00, 0x8000, 0x7BFF]))
            ]))
        let data = try file.floats("h")
        XCTAssertFalse(data.isZeroCopy)
        XCTAssertEqual(data.shape, [2, 3])
        XCTAssertEqual(values(data), [1, -2, 5.960464477539063e-08, .infinity, -0.0, 65504])
    }

    func testBF16IsConvertedToF32() throws {
        let file = try open(
            SafeTensorsWriter.validFile(
                [
                    .init(
                        name: "b", dtype: "BF16", shape: [4],
                        bytes: bytes(ofHalfBits: [0x3F80, 0x4049, 0xFF80, 0x7FC0]))
                ],
                extraPadding: 1))
        let converted = values(try file.floats("b"))
        XCTAssertEqual(Array(converted.prefix(3)), [1, 3.140625, -.infinity])
        XCTAssertTrue(converted[3].isNaN)
    }

    func testF64IsNarrowedToF32() throws {
        let file = try open(
            SafeTensorsWriter.validFile([
                .init(name: "d", dtype: "F64", shape: [3], bytes: bytes(ofDoubles: [0.5, -1e300, 1.0 / 3.0]))
            ]))
        XCTAssertEqual(values(try file.floats("d")), [0.5, -.infinity, Float(1.0 / 3.0)])
    }

    func testIntegerTensorIsNotReadAsFloats() throws {
        let file = try open(
            SafeTensorsWriter.validFile([.init(name: "ids", dtype: "I32", shape: [1], bytes: [1, 0, 0, 0])]))
        do throws(SafeTensorsError) {
            _ = try file.floats("ids")
            XCTFail("integer tensor was read as floats")
        } catch {
            XCTAssertEqual(error.path, file.url.path(percentEncoded: false))
            XCTAssertTrue(error.problem.contains("'ids'") && error.problem.contains("I32"), error.problem)
        }
    }

    func testUnknownTensorNameIsAnError() throws {
        let file = try open(SafeTensorsWriter.validFile([]))
        do throws(SafeTensorsError) {
            _ = try file.floats("encoder.missing.weight")
            XCTFail("missing tensor was found")
        } catch {
            XCTAssertTrue(error.problem.contains("no tensor named 'encoder.missing.weight'"), error.problem)
        }
    }

    func testRawBytesOfAnyDTypeAreExposed() throws {
        let file = try open(
            SafeTensorsWriter.validFile([
                .init(name: "f", dtype: "F32", shape: [1], bytes: bytes(ofFloats: [1])),
                .init(name: "ids", dtype: "I16", shape: [2], bytes: [0x01, 0x00, 0xFF, 0xFF]),
            ]))
        let ids = try file.withRawBytes(of: "ids") { raw in
            (0..<2).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
        }
        XCTAssertEqual(ids, [1, -1])
    }

    func testTensorDataOutlivesTheFileObject() throws {
        let url = try writer.write(
            SafeTensorsWriter.validFile([
                .init(name: "w", dtype: "F32", shape: [2], bytes: bytes(ofFloats: [4, 5]))
            ]),
            as: "outlive.safetensors")
        var file: SafeTensorsFile? = try SafeTensorsFile(url: url)
        let data = try XCTUnwrap(file).floats("w")
        file = nil
        XCTAssertNil(file)
        XCTAssertTrue(data.isZeroCopy)
        XCTAssertEqual(values(data), [4, 5])
    }
}
