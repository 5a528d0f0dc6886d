/// A read-only run of f32 values that some owner keeps alive: a memory-mapped weight file,
/// or an array converted from f16/bf16 at load time.
///
/// The model holds weights through this type so that f32 tensors in a safetensors file are
/// used where they lie in the mapping, never copied.
public struct WeightBuffer: @unchecked Sendable {
    /// First value; valid while `owner` lives.
    public let baseAddress: UnsafePointer<Float>
    /// Number of f32 values.
    public let count: Int
    /// Row-major shape, as the checkpoint names it (`[out, in]` for a linear layer's weight).
    public let shape: [Int]
    // Retained only to keep `baseAddress` valid.
    private let owner: AnyObject

    /// Wraps `count` values at `baseAddress`, kept alive by `owner`.
    public init(baseAddress: UnsafePointer<Float>, count: Int, shape: [Int], owner: AnyObject) {
        precondition(shape.reduce(1, *) == count, "shape \(shape) does not hold \(count) values")
        self.baseAddress = baseAddress
        self.count = count
        self.shape = shape
        self.owner = owner
    }

    /// Copies `values` into a buffer of its own (for tests and for derived weights).
    public init(copying values: [Float], shape: [Int]) {
        let storage = OwnedFloats(values)
        self.init(
            baseAddress: UnsafePointer(storage.pointer), count: values.count, shape: shape, owner: storage)
    }

    /// The values as a buffer pointer.
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: baseAddress, count: count) }
}

/// Heap storage for floats with a stable address.
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(count, 1))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: count) }
        }
    }

    deinit { pointer.deallocate() }
}

extension WeightBuffer {
    /// Rows `range` of the buffer's first dimension (a slice of a fused `[3·hidden, hidden]`
    /// projection, of its bias), sharing its memory and its owner.
    public func rows(_ range: Range<Int>) -> WeightBuffer {
        precondition(!shape.isEmpty && range.lowerBound >= 0 && range.upperBound <= shape[0])
        let rowSize = shape.dropFirst().reduce(1, *)
        return WeightBuffer(
            baseAddress: baseAddress + range.lowerBound * rowSize, count: range.count * rowSize,
            shape: [range.count] + shape.dropFirst(), owner: owner)
    }
}
