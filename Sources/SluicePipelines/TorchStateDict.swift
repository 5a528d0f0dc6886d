import Foundation

/// A state dict of float32 tensors as `torch.save` writes it (`pytorch_model.bin` since torch
/// 1.6): a zip of stored entries holding `<archive>/data.pkl`, the pickled dict, and
/// `<archive>/data/<key>`, one raw little-endian storage per key. The pickle names each storage
/// by a persistent id `("storage", torch.FloatStorage, key, location, numel)` and each tensor
/// as `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
///
/// Only the subset a state dict of float32 tensors needs is read; anything else (the legacy
/// pre-1.6 format, other dtypes, other globals, other pickle opcodes) is refused with a message
/// that says what was found.
struct TorchStateDict {
    /// A tensor's shape and its values, contiguous in row-major order.
    struct Tensor {
        var shape: [Int]
        var values: [Float]
    }

    /// Tensors by name, in the file's order.
    let names: [String]
    let tensors: [String: Tensor]
    let url: URL

    init(url: URL) throws {
        self.url = url
        if let head = try? FileHandle(forReadingFrom: url).readData(ofLength: 2), head.count == 2,
            head[head.startIndex] == 0x80
        {
            throw PipelineError.load(
                "\(url.path) is in torch's legacy (pre-1.6) serialization format; Sluice reads torch.save's zip format (re-save it with torch.save, or as model.safetensors)"
            )
        }
        let zip = try StoredZip(url: url)
        guard let pickle = zip.entries.first(where: { $0.name.hasSuffix("/data.pkl") }) else {
            throw PipelineError.load("\(url.path) has no data.pkl: not a torch.save archive")
        }
        let archive = String(pickle.name.dropLast("/data.pkl".count))
        if let order = zip.bytes("\(archive)/byteorder"), String(decoding: order, as: UTF8.self) != "little" {
            throw PipelineError.load("\(url.path) was saved big-endian; Sluice reads little-endian storages")
        }
        var reader = PickleReader(bytes: Array(zip.data[pickle.range]), url: url)
        let root = try reader.run()
        guard case .dict(let dict) = root else {
            throw PipelineError.load("\(url.path): the pickle holds \(root.kind), not a state dict")
        }
        var names: [String] = []
        var tensors: [String: Tensor] = [:]
        for (key, value) in dict.items {
            guard case .string(let name) = key, case .tensor(let ref) = value else {
                throw PipelineError.load(
                    "\(url.path): state dict entry \(key.kind) → \(value.kind) is not a name → tensor")
            }
            names.append(name)
            tensors[name] = try Self.materialize(ref, name: name, file: zip, archive: archive)
        }
        self.names = names
        self.tensors = tensors
    }

    /// The tensor `name`, checked against `shape`.
    func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let tensor = tensors[name] else {
            throw PipelineError.load(
                "\(url.path) has no tensor \(name) (it has \(names.joined(separator: ", ")))")
        }
        guard tensor.shape == shape else {
            throw PipelineError.load(
                "\(url.path): tensor \(name) has shape \(tensor.shape), expected \(shape)")
        }
        return tensor.values
    }

    /// `_rebuild_tensor_v2`: the view `size`/`stride` at `offset` into the storage, copied out
    /// contiguously.
    private static func materialize(
        _ ref: TensorRef, name: String, file: StoredZip, archive: String
    ) throws -> Tensor {
        let url = file.url
        guard let bytes = file.bytes("\(archive)/data/\(ref.storage.key)") else {
            throw PipelineError.load("\(url.path): tensor \(name)'s storage \(ref.storage.key) is missing")
        }
        let numel = ref.storage.count
        guard bytes.count >= numel * 4 else {
            throw PipelineError.load(
                "\(url.path): storage \(ref.storage.key) is shorter than its \(numel) floats")
        }
        let storage: [Float] = bytes.withUnsafeBytes { raw in
            (0..<numel).map {
                Float(
                    bitPattern: UInt32(
                        littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
        let count = ref.size.reduce(1, *)
        guard ref.size.count == ref.stride.count, ref.size.allSatisfy({ $0 >= 0 }),
            count == 0 || ref.offset + zip(ref.size, ref.stride).reduce(0, { $0 + ($1.0 - 1) * $1.1 }) < numel
        else {
            throw PipelineError.load(
                "\(url.path): tensor \(name) (size \(ref.size), stride \(ref.stride), offset \(ref.offset)) does not fit its storage of \(numel)"
            )
        }
        var values: [Float] = []
        values.reserveCapacity(count)
        var index = [Int](repeating: 0, count: ref.size.count)
        for _ in 0..<count {
            values.append(storage[ref.offset + zip(index, ref.stride).reduce(0) { $0 + $1.0 * $1.1 }])
            // Advance the row-major multi-index.
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < ref.size[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: ref.size, values: values)
    }
}

/// A storage named by the pickle's persistent id.
struct StorageRef {
    var key: String
    var count: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it.
struct TensorRef {
    var storage: StorageRef
    var offset: Int
    var size: [Int]
    var stride: [Int]
}
