/// f32 values of one tensor; keeps the file mapping (or its own converted buffer) alive.
///
/// Values are row-major in `shape`. Read them inside `withUnsafeBufferPointer`, or through
/// `baseAddress` while this object is alive.
public final class FloatTensorData: @unchecked Sendable {
    /// Dimensions, outermost first; `[]` is a scalar.
    public let shape: [Int]
    /// True when the values are read in place from the memory-mapped file, false for a converted copy.
    public let isZeroCopy: Bool
    private let start: UnsafePointer<Float>
    private let elementCount: Int
    /// Holds the mapping for a zero-copy view; nil when `start` is a buffer this object owns.
    private let mapping: FileMapping?

    /// A view of `count` floats at `start` inside `mapping`.
    init(shape: [Int], viewing start: UnsafePointer<Float>, count: Int, in mapping: FileMapping) {
        self.shape = shape
        self.isZeroCopy = true
        self.start = start
        self.elementCount = count
        self.mapping = mapping
    }

    /// An owned buffer of `count` floats that `fill` must initialise completely.
    init(shape: [Int], count: Int, fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        // At least one element, so that `baseAddress` is a real allocation even for empty tensors.
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        storage.initialize(repeating: 0, count: max(count, 1))
        fill(UnsafeMutableBufferPointer(start: storage, count: count))
        self.shape = shape
        self.isZeroCopy = false
        self.start = UnsafePointer(storage)
        self.elementCount = count
        self.mapping = nil
    }

    deinit {
        if mapping == nil {
            UnsafeMutablePointer(mutating: start).deallocate()
        }
    }

    /// Number of values, the product of `shape`.
    public var count: Int { elementCount }

    /// Calls `body` with the values; the pointer must not escape `body`.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) {
            try body(UnsafeBufferPointer(start: start, count: elementCount))
        }
    }

    /// First value; valid while this object lives (keep a reference, e.g. with `withExtendedLifetime`).
    public var baseAddress: UnsafePointer<Float> { start }
}
