// Turning stored floating-point elements into f32. Sources are little-endian and may be
// unaligned (the data section starts at 8 + header length), so elements are read with
// `loadUnaligned`. Every f16 and bf16 value is exactly representable as f32, so those
// conversions are exact, including subnormals, infinities and NaN payloads.

#if !_endian(little)
#error("safetensors data is little-endian; SluiceSafeTensors reads it in place on little-endian hosts only")
#endif

/// The f32 with the same value as the IEEE 754 half-precision number with bits `bits`.
///
/// Written with integer operations rather than `Float16`, which is missing on some platforms.
func floatFromHalfBits(_ bits: UInt16) -> Float {
    let sign: UInt32 = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0x1F:
        // Infinity (mantissa 0) or NaN; the payload moves to the top of the f32 mantissa.
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    case 0:
        // Zero or subnormal: value = mantissa × 2⁻²⁴, a normal f32 (exact: ≤ 10 significant bits).
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    default:
        // Normal: rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

/// The f32 with the same value as the bfloat16 number with bits `bits` (its top 16 bits).
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// Widens `destination.count` half-precision elements read from `source`.
func convertHalfToFloat(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>)
{
    convert(source, into: destination, from: UInt16.self, floatFromHalfBits)
}

/// Widens `destination.count` bfloat16 elements read from `source`.
func convertBFloat16ToFloat(
    _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>
) {
    convert(source, into: destination, from: UInt16.self, floatFromBFloat16Bits)
}

/// Narrows `destination.count` f64 elements read from `source`, rounding to nearest even.
func convertDoubleToFloat(
    _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>
) {
    convert(source, into: destination, from: UInt64.self) { Float(Double(bitPattern: $0)) }
}

/// Each little-endian `Bits`-wide element of a possibly misaligned `source`, as `value` reads it.
private func convert<Bits: FixedWidthInteger>(
    _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>,
    from _: Bits.Type, _ value: (Bits) -> Float
) {
    let width = MemoryLayout<Bits>.size
    precondition(source.count == destination.count * width)
    for index in 0..<destination.count {
        destination[index] = value(
            Bits(littleEndian: source.loadUnaligned(fromByteOffset: index * width, as: Bits.self)))
    }
}

/// Copies `destination.count` f32 elements from a possibly misaligned `source`.
func copyFloats(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
    precondition(source.count == destination.count * 4)
    UnsafeMutableRawBufferPointer(destination).copyMemory(from: source)
}
