/// The element type of a tensor, as spelled in the `dtype` field of a safetensors header.
///
/// Values are stored little-endian; `byteSize` is the width of one element.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    /// IEEE 754 double precision.
    case f64 = "F64"
    /// IEEE 754 single precision.
    case f32 = "F32"
    /// IEEE 754 half precision.
    case f16 = "F16"
    /// bfloat16: the top 16 bits of an IEEE 754 single.
    case bf16 = "BF16"
    /// Signed 64-bit integer.
    case i64 = "I64"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Signed 8-bit integer.
    case i8 = "I8"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// Boolean, one byte per element.
    case bool = "BOOL"
    /// Unsigned 16-bit integer.
    case u16 = "U16"
    /// Unsigned 32-bit integer.
    case u32 = "U32"
    /// Unsigned 64-bit integer.
    case u64 = "U64"
    /// 8-bit float with 4 exponent and 3 mantissa bits.
    case f8E4M3 = "F8_E4M3"
    /// 8-bit float with 5 exponent and 2 mantissa bits.
    case f8E5M2 = "F8_E5M2"

    /// Width of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8E4M3, .f8E5M2: return 1
        }
    }

    /// Whether `SafeTensorsFile.floats(_:)` can turn this dtype into f32 values.
    public var convertsToFloat: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: return true
        default: return false
        }
    }
}
