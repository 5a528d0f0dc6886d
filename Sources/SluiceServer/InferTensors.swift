import Foundation
import HTTPTypes
import Hummingbird
import SluiceJSON

/// Tensors of the Open Inference Protocol (KServe v2, Triton), in JSON or in the binary tensor
/// data extension: `Inference-Header-Content-Length` bytes of JSON, then each binary tensor's
/// bytes in the order of the JSON's tensors, little-endian, a BYTES element as a 4-byte length
/// and its bytes.
struct InferTensor: Sendable, Equatable {
    enum Values: Sendable, Equatable {
        case bytes([String])
        case ints([Int])
        case floats([Float])

        var count: Int {
            switch self {
            case .bytes(let texts): return texts.count
            case .ints(let ints): return ints.count
            case .floats(let floats): return floats.count
            }
        }
    }

    var name: String
    var shape: [Int]
    var values: Values

    var datatype: String {
        switch values {
        case .bytes: return "BYTES"
        case .ints: return "INT64"
        case .floats: return "FP32"
        }
    }

    /// The tensor's elements as JSON (`data`, flattened).
    var jsonData: JSONValue {
        switch values {
        case .bytes(let texts): return .array(texts.map(JSONValue.string))
        case .ints(let ints): return .array(ints.map(JSONValue.int))
        case .floats(let floats): return .array(floats.map { .number(Double($0)) })
        }
    }

    /// The tensor's elements in the binary extension's layout.
    var binaryData: [UInt8] {
        var bytes: [UInt8] = []
        switch values {
        case .bytes(let texts):
            for text in texts {
                withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { bytes += $0 }
                bytes += text.utf8
            }
        case .ints(let ints):
            for value in ints { withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 } }
        case .floats(let floats):
            for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        return bytes
    }
}

/// One inference request of the protocol: its JSON header and its input tensors.
struct InferRequest: Sendable {
    var id: String?
    /// The request's `parameters` object (empty when absent).
    var parameters: RequestFields
    var inputs: [InferTensor]
    /// The outputs asked for by name, each with its own `binary_data` if given; nil: all.
    var outputs: [(name: String, binary: Bool?)]?

    /// Decodes a body, its JSON header `headerLength` bytes long when the binary extension is
    /// used (nil: the whole body is JSON). Every failure is a 400 naming what was wrong.
    init(body: ByteBuffer, headerLength: Int?) throws(ServerError) {
        let bytes = Array(body.readableBytesView)
        let jsonEnd = headerLength ?? bytes.count
        guard jsonEnd >= 0, jsonEnd <= bytes.count else {
            throw Self.invalid(
                "Inference-Header-Content-Length \(jsonEnd) is beyond the body's \(bytes.count) bytes")
        }
        let document: JSONValue
        do { document = try JSONValue.parse(bytes[0..<jsonEnd]) } catch {
            throw Self.invalid("the request is not valid JSON: \(error)")
        }
        guard case .object = document else { throw Self.invalid("the request must be a JSON object") }
        let fields = RequestFields(document)
        id = try fields.string("id")
        parameters = RequestFields(fields["parameters"] ?? .object([]))
        guard case .array(let tensors)? = fields["inputs"], !tensors.isEmpty else {
            throw Self.invalid("the request has no \"inputs\"")
        }
        var offset = jsonEnd
        inputs = []
        for tensor in tensors {
            inputs.append(try Self.tensor(tensor, body: bytes, offset: &offset))
        }
        guard offset == bytes.count else {
            throw Self.invalid("\(bytes.count - offset) bytes follow the last binary input")
        }
        if case .array(let requested)? = fields["outputs"] {
            var outputs: [(name: String, binary: Bool?)] = []
            for output in requested {
                guard let name = output["name"]?.stringValue else {
                    throw Self.invalid("an output has no \"name\"")
                }
                outputs.append((name, output["parameters"]?["binary_data"]?.boolValue))
            }
            self.outputs = outputs
        }
    }

    private static func tensor(
        _ json: JSONValue, body: [UInt8], offset: inout Int
    ) throws(ServerError) -> InferTensor {
        let fields = RequestFields(json)
        guard let name = try fields.string("name") else { throw invalid("an input has no \"name\"") }
        guard let datatype = try fields.string("datatype") else {
            throw invalid("input '\(name)' has no \"datatype\"")
        }
        guard case .array(let dimensions)? = fields["shape"] else {
            throw invalid("input '\(name)' has no \"shape\"")
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard case .int(let size) = dimension, size >= 0 else {
                throw invalid("input '\(name)': every dimension of \"shape\" must be a non-negative integer")
            }
            shape.append(size)
        }
        var expected = 1
        for size in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: size)
            guard !overflow else { throw invalid("input '\(name)': shape \(shape) holds too many elements") }
            expected = product
        }
        let values: InferTensor.Values
        if let data = fields["data"] {
            values = try jsonValues(data, datatype: datatype, name: name)
            // KServe's clients send a text batch with any shape (even `[]`); numbers must fit it.
            if datatype != "BYTES", values.count != expected {
                throw invalid("input '\(name)' has \(values.count) values for shape \(shape)")
            }
        } else if let size = try RequestFields(fields["parameters"] ?? .object([])).int("binary_data_size") {
            guard size >= 0, size <= body.count - offset else {
                throw invalid("input '\(name)': binary_data_size \(size) runs past the end of the body")
            }
            values = try binaryValues(body[offset..<offset + size], datatype: datatype, name: name)
            offset += size
            guard values.count == expected else {
                throw invalid("input '\(name)' has \(values.count) values for shape \(shape)")
            }
        } else {
            throw invalid("'data' field is missing for input '\(name)'")
        }
        return InferTensor(name: name, shape: shape, values: values)
    }

    /// `data`, nested or flat, row-major.
    private static func jsonValues(
        _ data: JSONValue, datatype: String, name: String
    ) throws(ServerError)
        -> InferTensor.Values
    {
        var flat: [JSONValue] = []
        func flatten(_ value: JSONValue) {
            if case .array(let items) = value { items.forEach(flatten) } else { flat.append(value) }
        }
        flatten(data)
        switch datatype {
        case "BYTES":
            var texts: [String] = []
            for item in flat {
                guard case .string(let text) = item else {
                    throw invalid("input '\(name)': BYTES data must be strings")
                }
                texts.append(text)
            }
            return .bytes(texts)
        case "INT64", "INT32", "UINT32", "UINT64", "INT16", "UINT16", "INT8", "UINT8":
            var ints: [Int] = []
            for item in flat {
                guard case .int(let value) = item else {
                    throw invalid("input '\(name)': \(datatype) data must be integers")
                }
                ints.append(value)
            }
            return .ints(ints)
        default:
            throw invalid(
                "input '\(name)': datatype \(datatype) is not taken (BYTES texts, or integer token ids)")
        }
    }

    private static func binaryValues(
        _ bytes: ArraySlice<UInt8>, datatype: String, name: String
    ) throws(ServerError)
        -> InferTensor.Values
    {
        func integer(_ at: Int, width: Int) -> UInt64 {
            var value: UInt64 = 0
            for k in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + k]) }
            return value
        }
        switch datatype {
        case "BYTES":
            var texts: [String] = []
            var at = bytes.startIndex
            while at < bytes.endIndex {
                guard at + 4 <= bytes.endIndex else {
                    throw invalid("input '\(name)': a BYTES element is cut short")
                }
                let length = Int(integer(at, width: 4))
                at += 4
                guard at + length <= bytes.endIndex else {
                    throw invalid("input '\(name)': a BYTES element is cut short")
                }
                guard let text = String(validating: bytes[at..<at + length], as: UTF8.self) else {
                    throw invalid("input '\(name)': a BYTES element is not UTF-8 text")
                }
                texts.append(text)
                at += length
            }
            return .bytes(texts)
        case "INT64", "INT32":
            let width = datatype == "INT64" ? 8 : 4
            guard bytes.count % width == 0 else {
                throw invalid("input '\(name)': \(bytes.count) bytes is not whole \(datatype)s")
            }
            return .ints(
                stride(from: bytes.startIndex, to: bytes.endIndex, by: width).map { at in
                    width == 8
                        ? Int(Int64(bitPattern: integer(at, width: 8)))
                        : Int(Int32(truncatingIfNeeded: integer(at, width: 4)))
                })
        default:
            throw invalid(
                "input '\(name)': datatype \(datatype) is not taken (BYTES texts, or INT64/INT32 token ids)")
        }
    }

    static func invalid(_ message: String) -> ServerError { ServerError(.badRequest, message) }
}

/// A response of the protocol: JSON, or JSON and the binary tail when an output is asked for in
/// binary.
struct InferResponseBody {
    var modelName: String
    var id: String?
    /// Each output with whether it goes in binary.
    var outputs: [(tensor: InferTensor, binary: Bool)]

    var response: Response {
        var tail: [UInt8] = []
        let outputJSON = outputs.map { output -> JSONValue in
            var fields: [(String, JSONValue)] = [
                ("name", .string(output.tensor.name)), ("datatype", .string(output.tensor.datatype)),
                ("shape", .array(output.tensor.shape.map(JSONValue.int))),
            ]
            if output.binary {
                let bytes = output.tensor.binaryData
                fields.append(("parameters", .object([("binary_data_size", .int(bytes.count))])))
                tail += bytes
            } else {
                fields.append(("data", output.tensor.jsonData))
            }
            return .object(fields)
        }
        var header: [(String, JSONValue)] = [
            ("model_name", .string(modelName)), ("model_version", .string("1")),
        ]
        if let id { header.append(("id", .string(id))) }
        header.append(("outputs", .array(outputJSON)))
        let json = JSONValue.object(header).pythonJSONBytes
        guard !tail.isEmpty || outputs.contains(where: \.binary) else {
            return JSONValue.object(header).response
        }
        var headers: HTTPFields = [.contentType: "application/octet-stream"]
        headers[HTTPField.Name("Inference-Header-Content-Length")!] = String(json.count)
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json + tail)))
    }
}
