// Reading and validating the header of a safetensors file.
//
// Layout: 8 bytes little-endian u64 `n`, then `n` bytes of UTF-8 JSON, then the data section.
// The rules follow `Metadata::validate` and `read_metadata` in huggingface/safetensors
// (safetensors/src/tensor.rs): tensors sorted by offsets must tile the data section exactly,
// with no overlap, no hole and nothing after the last tensor.

import SluiceJSON

/// The largest header accepted, as in the reference implementation.
let maxHeaderByteCount = 100_000_000

/// The validated contents of a safetensors header.
struct SafeTensorsHeader {
    var metadata: [String: String]
    var tensors: [String: SafeTensorInfo]
    /// Offset of the data section from the start of the file.
    var dataStart: Int
}

/// Parses and validates the header of the safetensors file whose whole contents are `file`.
func parseHeader(file: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) -> SafeTensorsHeader {
    func failure(_ problem: String) -> SafeTensorsError {
        SafeTensorsError(path: path, problem: problem)
    }

    guard file.count >= 8 else {
        throw failure("file is \(file.count) bytes, too short to hold the 8-byte header length")
    }
    let declaredLength = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
    guard declaredLength <= UInt64(maxHeaderByteCount) else {
        throw failure("header length \(declaredLength) exceeds the limit of \(maxHeaderByteCount) bytes")
    }
    let headerLength = Int(declaredLength)
    guard headerLength <= file.count - 8 else {
        throw failure(
            "header length \(headerLength) is past the end of the file "
                + "(only \(file.count - 8) bytes follow the length; truncated file?)")
    }
    let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
    guard isValidUTF8(headerBytes) else {
        throw failure("header is not valid UTF-8")
    }
    let root: JSONValue
    do throws(JSONSyntaxError) {
        // Nesting is capped well below the default (a header is two levels deep), duplicate
        // keys are kept so that they can be refused by name, and a lone surrogate is refused
        // as the reference's serde_json refuses it.
        root = try JSONValue.parse(
            headerBytes,
            options: JSONParseOptions(maxDepth: 128, duplicateKeys: .keepAll, loneSurrogates: .reject))
    } catch {
        throw failure("header is not valid JSON: \(error.message) at byte \(error.offset) of the header")
    }
    guard case .object(let members) = root else {
        throw failure("header is \(root.kindName), expected a JSON object")
    }

    let dataStart = 8 + headerLength
    let dataSize = file.count - dataStart
    var metadata: [String: String] = [:]
    var tensors: [String: SafeTensorInfo] = [:]
    var seen: Set<String> = []
    for (key, value) in members {
        guard seen.insert(key).inserted else {
            throw failure("header has two entries named '\(key)'")
        }
        if key == "__metadata__" {
            metadata = try readMetadata(value, failure: failure)
        } else {
            tensors[key] = try readTensorInfo(name: key, value, dataSize: dataSize, failure: failure)
        }
    }
    try checkCoverage(of: tensors.values, dataSize: dataSize, failure: failure)
    return SafeTensorsHeader(metadata: metadata, tensors: tensors, dataStart: dataStart)
}

/// Whether `bytes` is well-formed UTF-8 (`String(validating:)` needs macOS 15, so decode by hand).
private func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

private func readMetadata(
    _ value: JSONValue, failure: (String) -> SafeTensorsError
) throws(SafeTensorsError) -> [String: String] {
    switch value {
    case .null:
        return [:]
    case .object(let members):
        var metadata: [String: String] = [:]
        for (key, entry) in members {
            guard case .string(let text) = entry else {
                throw failure("__metadata__ entry '\(key)' is \(entry.kindName), expected a string")
            }
            metadata[key] = text
        }
        return metadata
    default:
        throw failure("__metadata__ is \(value.kindName), expected an object of strings")
    }
}

private func readTensorInfo(
    name: String, _ value: JSONValue, dataSize: Int, failure: (String) -> SafeTensorsError
) throws(SafeTensorsError) -> SafeTensorInfo {
    let tensor = "tensor '\(name)'"
    guard case .object(let members) = value else {
        throw failure("\(tensor) is \(value.kindName), expected an object")
    }
    // Unknown fields are ignored, as the reference does.
    func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
        guard let found = members.last(where: { $0.key == key }) else {
            throw failure("\(tensor) has no '\(key)' field")
        }
        return found.value
    }

    let dtypeValue = try field("dtype")
    guard case .string(let dtypeName) = dtypeValue else {
        throw failure("\(tensor): 'dtype' is \(dtypeValue.kindName), expected a string")
    }
    guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
        let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
        throw failure("\(tensor): unknown dtype '\(dtypeName)' (known: \(known))")
    }

    let shape = try readIntegers(try field("shape"), field: "shape", of: tensor, failure: failure)
    let offsets = try readIntegers(
        try field("data_offsets"), field: "data_offsets", of: tensor, failure: failure)
    guard offsets.count == 2 else {
        throw failure("\(tensor): 'data_offsets' has \(offsets.count) entries, expected [begin, end]")
    }
    let (begin, end) = (offsets[0], offsets[1])
    guard begin <= end else {
        throw failure("\(tensor): data_offsets begin \(begin) is after end \(end)")
    }
    guard end <= dataSize else {
        throw failure(
            "\(tensor): data_offsets end \(end) is past the end of the data section "
                + "(\(dataSize) bytes; truncated file?)")
    }

    var elementCount = 1
    for dimension in shape {
        let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
        guard !overflow else { throw failure("\(tensor): shape \(shape) has too many elements to count") }
        elementCount = product
    }
    let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
    guard !overflow else {
        throw failure("\(tensor): shape \(shape) of \(dtype.rawValue) is too many bytes to count")
    }
    guard end - begin == byteCount else {
        throw failure(
            "\(tensor): data_offsets [\(begin), \(end)] span \(end - begin) bytes, but shape \(shape) "
                + "of \(dtype.rawValue) (\(dtype.byteSize) bytes each) needs \(byteCount)")
    }
    return SafeTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
}

/// Reads a JSON array of non-negative integers that fit in `Int`.
private func readIntegers(
    _ value: JSONValue, field: String, of tensor: String, failure: (String) -> SafeTensorsError
) throws(SafeTensorsError) -> [Int] {
    guard case .array(let elements) = value else {
        throw failure("\(tensor): '\(field)' is \(value.kindName), expected an array of integers")
    }
    var integers: [Int] = []
    integers.reserveCapacity(elements.count)
    for (index, element) in elements.enumerated() {
        let at = "\(tensor): '\(field)'[\(index)]"
        switch element {
        case .int(let integer) where integer < 0:
            throw failure("\(at) is negative (\(integer))")
        case .int(let integer):
            integers.append(integer)
        case .number(let value) where value.rounded() == value && value >= 0x1p63:
            // An integer literal past `Int`'s range (parsed as a float).
            throw failure("\(at) is \(value), too large")
        case .number(let value):
            throw failure("\(at) is \(value), expected a non-negative integer")
        default:
            throw failure("\(at) is \(element.kindName), expected a non-negative integer")
        }
    }
    return integers
}

/// Checks that the tensors, sorted by offsets, tile `0..<dataSize` exactly.
private func checkCoverage(
    of tensors: some Collection<SafeTensorInfo>, dataSize: Int, failure: (String) -> SafeTensorsError
) throws(SafeTensorsError) {
    let sorted = tensors.sorted {
        ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name)
            < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name)
    }
    var covered = 0
    var previous: SafeTensorInfo?
    for info in sorted {
        let range = info.byteRange
        if range.lowerBound < covered, let previous {
            throw failure(
                "tensor '\(info.name)' bytes \(range) overlap tensor '\(previous.name)' bytes "
                    + "\(previous.byteRange)")
        }
        if range.lowerBound > covered {
            let after = previous.map { " (after tensor '\($0.name)')" } ?? ""
            throw failure(
                "data section bytes \(covered)..<\(range.lowerBound) belong to no tensor\(after); "
                    + "tensor '\(info.name)' starts at \(range.lowerBound)")
        }
        covered = range.upperBound
        previous = info
    }
    if covered != dataSize {
        throw failure(
            "data section is \(dataSize) bytes but tensors cover only \(covered); "
                + "bytes \(covered)..<\(dataSize) belong to no tensor")
    }
}
