import Foundation

/// A validated, memory-mapped safetensors file: look tensors up by name and read them as f32.
///
/// Opening maps the file read-only and checks the whole header (dtypes, shapes, offsets, and that
/// the tensors tile the data section exactly) before anything is returned, so later reads never
/// go out of bounds. Immutable after `init`, so it can be shared across threads.
public final class SafeTensorsFile: @unchecked Sendable {
    /// The file this was read from.
    public let url: URL
    /// The free-form `__metadata__` strings of the header (e.g. `"format": "pt"`); empty if absent.
    public let metadata: [String: String]
    private let mapping: FileMapping
    private let tensors: [String: SafeTensorInfo]
    private let sortedNames: [String]
    /// Offset of the data section from the start of the file.
    private let dataStart: Int

    /// Maps the file at `url` and validates its header; throws `SafeTensorsError` naming the problem.
    public init(url: URL) throws(SafeTensorsError) {
        let path = url.path(percentEncoded: false)
        guard url.isFileURL else {
            throw SafeTensorsError(path: url.absoluteString, problem: "not a file URL")
        }
        let mapping = try FileMapping(path: path)
        let header = try parseHeader(file: mapping.bytes, path: path)
        self.url = url
        self.mapping = mapping
        self.metadata = header.metadata
        self.tensors = header.tensors
        self.sortedNames = header.tensors.keys.sorted()
        self.dataStart = header.dataStart
    }

    /// The tensor names, sorted.
    public var names: [String] { sortedNames }

    /// Validates the header of a whole file image held in memory, as `init(url:)` validates a
    /// file's, and returns its tensor names, sorted; `path` names it in errors (the fuzzer's
    /// entry point, and for tools that hold a file's bytes already).
    public static func tensorNames(
        inFileImage bytes: UnsafeRawBufferPointer, path: String = "<memory>"
    ) throws(SafeTensorsError) -> [String] {
        try parseHeader(file: bytes, path: path).tensors.keys.sorted()
    }

    /// The dtype, shape and location of tensor `name`, or nil if the file has no such tensor.
    public func info(_ name: String) -> SafeTensorInfo? {
        tensors[name]
    }

    /// The values of tensor `name` as f32.
    ///
    /// F32 tensors are viewed in place when 4-byte aligned (`isZeroCopy`), else copied;
    /// F16, BF16 and F64 are converted into a new buffer. Integer, boolean and 8-bit float
    /// tensors throw: read those with `withRawBytes(of:_:)`.
    public func floats(_ name: String) throws(SafeTensorsError) -> FloatTensorData {
        let info = try requireInfo(name)
        let bytes = tensorBytes(info)
        let count = info.elementCount
        switch info.dtype {
        case .f32:
            if let base = bytes.baseAddress,
                Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0
            {
                let start = base.bindMemory(to: Float.self, capacity: count)
                return FloatTensorData(shape: info.shape, viewing: start, count: count, in: mapping)
            }
            return FloatTensorData(shape: info.shape, count: count) { copyFloats(bytes, into: $0) }
        case .f16:
            return FloatTensorData(shape: info.shape, count: count) { convertHalfToFloat(bytes, into: $0) }
        case .bf16:
            return FloatTensorData(shape: info.shape, count: count) {
                convertBFloat16ToFloat(bytes, into: $0)
            }
        case .f64:
            return FloatTensorData(shape: info.shape, count: count) { convertDoubleToFloat(bytes, into: $0) }
        default:
            throw SafeTensorsError(
                path: path,
                problem: "tensor '\(name)' has dtype \(info.dtype.rawValue), which cannot be read as floats "
                    + "(only F32, F16, BF16 and F64 can)")
        }
    }

    /// Calls `body` with the stored little-endian bytes of tensor `name`, whatever its dtype.
    ///
    /// The bytes may be unaligned; read them with `loadUnaligned`. They must not escape `body`.
    public func withRawBytes<R>(
        of name: String, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let info = try requireInfo(name)
        return try withExtendedLifetime(mapping) { try body(tensorBytes(info)) }
    }

    private var path: String { url.path(percentEncoded: false) }

    /// The whole mapped file, for tests that check views point into it.
    var mappedBytes: UnsafeRawBufferPointer { mapping.bytes }

    private func requireInfo(_ name: String) throws(SafeTensorsError) -> SafeTensorInfo {
        guard let info = tensors[name] else {
            throw SafeTensorsError(
                path: path, problem: "no tensor named '\(name)' (the file has \(tensors.count))")
        }
        return info
    }

    /// The bytes of a validated tensor inside the mapping.
    private func tensorBytes(_ info: SafeTensorInfo) -> UnsafeRawBufferPointer {
        let range = (dataStart + info.byteRange.lowerBound)..<(dataStart + info.byteRange.upperBound)
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[range])
    }
}
