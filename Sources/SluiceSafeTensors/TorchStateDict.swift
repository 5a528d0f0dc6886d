import Foundation

/// A state dict of float32 tensors as `torch.save` writes it (`pytorch_model.bin` since torch
/// 1.6): a zip of stored entries holding `<archive>/data.pkl`, the pickled dict, and
/// `<archive>/data/<key>`, one raw little-endian storage per key. The pickle names each storage
/// by a persistent id `("storage", torch.FloatStorage, key, location, numel)` and each tensor
/// as `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
///
/// Only the subset a state dict of float32 tensors needs is read; anything else (the legacy
/// pre-1.6 format, other dtypes, other globals, other pickle opcodes) is refused with a message
/// that says what was found. The file is memory-mapped and a tensor's values are copied out
/// (contiguous, row-major) only when it is read.
public final class TorchStateDict: TensorFile {
    /// The file this was read from.
    public let url: URL
    /// Tensor names, in the file's order.
    public let names: [String]
    private let tensors: [String: TensorRef]
    private let zip: StoredZip
    private let archive: String

    /// Maps the file at `url` and reads its pickle; throws `SafeTensorsError` naming the problem.
    public init(url: URL) throws {
        self.url = url
        // Mapped once; the legacy check reads its first byte, the archive the rest.
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw SafeTensorsError(path: url.path, problem: "cannot read: \(error.localizedDescription)")
        }
        if data.count >= 2, data[data.startIndex] == 0x80 {
            throw SafeTensorsError(
                path: url.path,
                problem:
                    "in torch's legacy (pre-1.6) serialization format; Sluice reads torch.save's zip format (re-save it with torch.save, or as model.safetensors)"
            )
        }
        let zip = try StoredZip(data: data, url: url)
        guard let pickle = zip.entries.first(where: { $0.name.hasSuffix("/data.pkl") }) else {
            throw SafeTensorsError(path: url.path, problem: "has no data.pkl: not a torch.save archive")
        }
        let archive = String(pickle.name.dropLast("/data.pkl".count))
        if let order = zip.bytes("\(archive)/byteorder"), String(decoding: order, as: UTF8.self) != "little" {
            throw SafeTensorsError(
                path: url.path, problem: "saved big-endian; Sluice reads little-endian storages")
        }
        var reader = PickleReader(bytes: Array(zip.data[pickle.range]), url: url)
        let root = try reader.run()
        guard case .dict(let dict) = root else {
            throw SafeTensorsError(path: url.path, problem: "the pickle holds \(root.kind), not a state dict")
        }
        var names: [String] = []
        var tensors: [String: TensorRef] = [:]
        for (key, value) in dict.items {
            guard case .string(let name) = key, case .tensor(let ref) = value else {
                throw SafeTensorsError(
                    path: url.path,
                    problem: "state dict entry \(key.kind) → \(value.kind) is not a name → tensor")
            }
            try Self.check(ref, name: name, file: zip, archive: archive)
            names.append(name)
            tensors[name] = ref
        }
        self.names = names
        self.tensors = tensors
        self.zip = zip
        self.archive = archive
    }

    /// The shape of tensor `name`, or nil if the file has no such tensor.
    public func shape(of name: String) -> [Int]? { tensors[name]?.size }

    /// The values of tensor `name`, which must have exactly `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let ref = tensors[name] else {
            throw SafeTensorsError(
                path: url.path, problem: "has no tensor \(name) (it has \(names.joined(separator: ", ")))")
        }
        guard ref.size == shape else {
            throw SafeTensorsError(
                path: url.path, problem: "tensor \(name) has shape \(ref.size), expected \(shape)")
        }
        return materialize(ref)
    }

    /// The values of tensor `name` as f32, a contiguous copy.
    public func floats(_ name: String) throws -> FloatTensorData {
        guard let ref = tensors[name] else {
            throw SafeTensorsError(
                path: url.path, problem: "no tensor named '\(name)' (the file has \(names.count))")
        }
        let values = materialize(ref)
        return FloatTensorData(shape: ref.size, count: values.count) { out in
            _ = out.initialize(from: values)
        }
    }

    /// Checks that the view `size`/`stride` at `offset` lies inside its storage, which is there.
    private static func check(_ ref: TensorRef, name: String, file: StoredZip, archive: String) throws {
        let url = file.url
        guard let entry = file.entry("\(archive)/data/\(ref.storage.key)") else {
            throw SafeTensorsError(
                path: url.path, problem: "tensor \(name)'s storage \(ref.storage.key) is missing")
        }
        let numel = ref.storage.count
        let (storageBytes, tooLarge) = numel.multipliedReportingOverflow(by: 4)
        guard numel >= 0, !tooLarge, entry.range.count >= storageBytes else {
            throw SafeTensorsError(
                path: url.path, problem: "storage \(ref.storage.key) is shorter than its \(numel) floats")
        }
        // The element furthest into the storage, every product and sum checked: the numbers
        // come from the file.
        var count = 1
        var last = ref.offset
        var fits =
            ref.size.count == ref.stride.count && ref.offset >= 0 && ref.size.allSatisfy { $0 >= 0 }
            && ref.stride.allSatisfy { $0 >= 0 }
        for (extent, stride) in Swift.zip(ref.size, ref.stride) where fits {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            count = product
            fits = !overflow
            if extent > 0 {
                let (span, spanOverflow) = (extent - 1).multipliedReportingOverflow(by: stride)
                let (sum, sumOverflow) = last.addingReportingOverflow(span)
                last = sum
                fits = fits && !spanOverflow && !sumOverflow
            }
        }
        guard fits, count == 0 || last < numel else {
            throw SafeTensorsError(
                path: url.path,
                problem:
                    "tensor \(name) (size \(ref.size), stride \(ref.stride), offset \(ref.offset)) does not fit its storage of \(numel)"
            )
        }
    }

    /// `_rebuild_tensor_v2`: the view `size`/`stride` at `offset` into the storage (checked at
    /// `init`), copied out contiguously.
    private func materialize(_ ref: TensorRef) -> [Float] {
        let range = zip.entry("\(archive)/data/\(ref.storage.key)")!.range
        let count = ref.size.reduce(1, *)
        var values: [Float] = []
        values.reserveCapacity(count)
        zip.data[range].withUnsafeBytes { raw in
            func element(_ i: Int) -> Float {
                Float(
                    bitPattern: UInt32(
                        littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
            // A contiguous view (the usual case) is read straight through.
            var contiguous: [Int] = []
            var step = 1
            for extent in ref.size.reversed() {
                contiguous.insert(step, at: 0)
                step *= extent
            }
            if ref.stride == contiguous {
                for i in 0..<count { values.append(element(ref.offset + i)) }
                return
            }
            var index = [Int](repeating: 0, count: ref.size.count)
            for _ in 0..<count {
                values.append(
                    element(ref.offset + Swift.zip(index, ref.stride).reduce(0) { $0 + $1.0 * $1.1 }))
                // Advance the row-major multi-index.
                var axis = index.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < ref.size[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return values
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
