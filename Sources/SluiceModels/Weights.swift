import Foundation
import SluiceSafeTensors
import SluiceTensors

#if canImport(Glibc)
import Glibc
#endif

/// Looks weights up by their Hugging Face names in one or more weight files (safetensors, or
/// torch `.bin` state dicts), scoped by prefix as the model's structs nest
/// (`weights.scoped("encoder.layer.0")`).
///
/// A missing tensor or a wrong shape is an error that names the full tensor name, the shape
/// the code expected and the file.
///
/// Like candle's `VarBuilder`, which carries the device and dtype, the store also carries how
/// the layers loaded from it compute: the dense weights' format and the `ComputeRuntime` whose
/// threads run their kernels.
public struct WeightStore: Sendable {
    private let files: [any TensorFile]
    private let prefix: String
    /// How the model's dense layers hold the weights they load from here.
    public let denseWeights: DenseWeightFormat
    /// What the layers loaded from here compute on.
    public let runtime: ComputeRuntime

    /// Opens the weight files, `.safetensors` (memory-mapped; f32 tensors are not copied) or
    /// torch `.bin` (a tensor is copied out when loaded). Dense layers loaded from the store hold
    /// their weights as `denseWeights` says, and every layer computes on `runtime`.
    public init(files urls: [URL], denseWeights: DenseWeightFormat = .f32, runtime: ComputeRuntime) throws {
        self.files = try urls.map { url in
            do { return try openTensorFile(url) } catch { throw ModelError("\(error)") }
        }
        self.prefix = ""
        self.denseWeights = denseWeights
        self.runtime = runtime
    }

    private init(
        files: [any TensorFile], prefix: String, denseWeights: DenseWeightFormat, runtime: ComputeRuntime
    ) {
        self.files = files
        self.prefix = prefix
        self.denseWeights = denseWeights
        self.runtime = runtime
    }

    /// The same store with `component` appended to the prefix.
    public func scoped(_ component: String) -> WeightStore {
        WeightStore(
            files: files, prefix: prefix.isEmpty ? component : "\(prefix).\(component)",
            denseWeights: denseWeights, runtime: runtime)
    }

    /// The full name a lookup of `name` asks for.
    public func fullName(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

    /// Whether a tensor of that (scoped) name exists.
    public func contains(_ name: String) -> Bool {
        let full = fullName(name)
        return files.contains { $0.shape(of: full) != nil }
    }

    /// All tensor names across the files.
    public var allNames: [String] { files.flatMap(\.names) }

    /// The f32 values of `name`, which must have exactly `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> WeightBuffer {
        let data = try floatData(name, shape: shape)
        return WeightBuffer(baseAddress: data.baseAddress, count: data.count, shape: shape, owner: data)
    }

    private func floatData(_ name: String, shape: [Int]) throws -> FloatTensorData {
        let full = fullName(name)
        guard let file = files.first(where: { $0.shape(of: full) != nil }), let found = file.shape(of: full)
        else {
            let where_ = files.map(\.url.path).joined(separator: ", ")
            throw ModelError("missing tensor \(full) (expected shape \(shape)) in \(where_)")
        }
        guard found == shape else {
            throw ModelError(
                "tensor \(full) in \(file.url.path) has shape \(found), expected \(shape)")
        }
        do { return try file.floats(full) } catch { throw ModelError("\(error)") }
    }

    /// A dense layer's `[out, in]` weight `name`, held as `denseWeights` says. A bf16 tensor
    /// read as bf16 is used where it lies in the mapping; anything else goes through f32.
    func linearWeight(_ name: String, shape: [Int]) throws -> LinearWeight {
        let full = fullName(name)
        if denseWeights == .bf16,
            let file = files.lazy.compactMap({ $0 as? SafeTensorsFile }).first(where: { $0.info(full) != nil }
            ),
            let info = file.info(full), info.dtype == .bf16, info.shape == shape
        {
            // The bytes lie in the file's mapping, which lives as long as `file`: the view keeps
            // `file` as its owner.
            let base = try file.withRawBytes(of: full) { $0.baseAddress }
            if let base {
                return .bf16(
                    BFloat16Weights(
                        viewing: base.assumingMemoryBound(to: UInt16.self), rows: shape[0], columns: shape[1],
                        owner: file))
            }
        }
        let data = try floatData(name, shape: shape)
        let weight = LinearWeight(
            WeightBuffer(baseAddress: data.baseAddress, count: data.count, shape: shape, owner: data),
            format: denseWeights)
        if denseWeights != .f32, data.isZeroCopy {
            releaseResidentPages(data.baseAddress, count: data.count)
        }
        return weight
    }

    /// Where the checkpoint keeps the model's base weights: checkpoints saved from a head model
    /// prefix them with `base` (`bert.`), bare encoders do not.
    public func baseScope(_ base: String, probe: String) -> WeightStore {
        contains("\(base).\(probe)") ? scoped(base) : self
    }
}

/// Drops the pages that lie wholly inside `count` floats at `start`, a read-only file mapping,
/// from this process's resident set once a converted copy holds the values: they stay in the
/// page cache, and a later read (the word embeddings a tied decoder was made from) faults them
/// back in from the file. Without it, a bf16 model kept the f32 file resident beside its copy
/// (bert-base-random: 682 MB peak instead of about 250).
private func releaseResidentPages(_ start: UnsafePointer<Float>, count: Int) {
    #if canImport(Glibc)
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let begin = (Int(bitPattern: start) + page - 1) / page * page
    let end = (Int(bitPattern: start) + count * MemoryLayout<Float>.stride) / page * page
    guard page > 0, end > begin, let address = UnsafeMutableRawPointer(bitPattern: begin) else { return }
    _ = madvise(address, end - begin, MADV_DONTNEED)
    #endif
}
