import Foundation

/// Builds safetensors files in a private temporary folder, valid or deliberately damaged.
final class SafeTensorsWriter {
    /// One tensor of a valid file: its header fields and its stored bytes.
    struct Tensor {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: [UInt8]
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Deletes the folder and everything written to it.
    func removeAll() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `bytes` as file `name` and returns its URL.
    func write(_ bytes: [UInt8], as name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// The bytes of a file with header text `header` and data section `data`.
    ///
    /// `declaredLength` overrides the 8-byte header length, to describe a header that is not there.
    static func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        file(headerBytes: Array(header.utf8), data: data, declaredLength: declaredLength)
    }

    /// The bytes of a file with raw header bytes `headerBytes` (which need not be UTF-8).
    static func file(headerBytes: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let length = declaredLength ?? UInt64(headerBytes.count)
        return withUnsafeBytes(of: length.littleEndian) { Array($0) } + headerBytes + data
    }

    /// A valid file holding `tensors` back to back in the given order, as the reference writer lays them.
    ///
    /// The header is padded with spaces so the data section starts on an 8-byte boundary, then
    /// `extraPadding` more spaces, which lets a test misalign the data on purpose.
    static func validFile(
        _ tensors: [Tensor], metadata: [String: String]? = nil, extraPadding: Int = 0
    ) -> [UInt8] {
        var entries: [String] = []
        if let metadata {
            let fields = metadata.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
            entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        var data: [UInt8] = []
        for tensor in tensors {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
            offset += tensor.bytes.count
            data += tensor.bytes
        }
        var header = "{\(entries.joined(separator: ","))}"
        header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8 + extraPadding)
        return file(header: header, data: data)
    }
}

/// Little-endian bytes of f32 values.
func bytes(ofFloats values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

/// Little-endian bytes of f64 values.
func bytes(ofDoubles values: [Double]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

/// Little-endian bytes of 16-bit patterns (f16 or bf16 elements).
func bytes(ofHalfBits values: [UInt16]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}
