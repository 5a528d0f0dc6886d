/// Where one tensor lives in a safetensors file and how to read it.
public struct SafeTensorInfo: Sendable, Equatable {
    /// The tensor's name in the header, e.g. `encoder.layer.0.attention.self.query.weight`.
    public let name: String
    /// The element type.
    public let dtype: SafeTensorsDType
    /// Dimensions, outermost first (row-major); `[]` is a scalar.
    public let shape: [Int]
    /// The tensor's bytes, as offsets within the data section (which starts after the header).
    public let byteRange: Range<Int>

    /// Number of elements, the product of `shape` (validated not to overflow when the file was read).
    public var elementCount: Int { shape.reduce(1, *) }
}
