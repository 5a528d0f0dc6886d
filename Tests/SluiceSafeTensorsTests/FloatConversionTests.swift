import XCTest

@testable import SluiceSafeTensors

/// f16 and bf16 widening, checked against IEEE 754 facts about known bit patterns.
final class FloatConversionTests: XCTestCase {
    func testHalfNormalValues() {
        XCTAssertEqual(floatFromHalfBits(0x3C00), 1.0)
        XCTAssertEqual(floatFromHalfBits(0xBC00), -1.0)
        XCTAssertEqual(floatFromHalfBits(0xC000), -2.0)
        XCTAssertEqual(floatFromHalfBits(0x3800), 0.5)
        XCTAssertEqual(floatFromHalfBits(0x3555), 0.333251953125)
        XCTAssertEqual(floatFromHalfBits(0x7BFF), 65504.0)  // largest finite half
        XCTAssertEqual(floatFromHalfBits(0x0400), 6.103515625e-05)  // smallest normal, 2⁻¹⁴
    }

    func testHalfZerosKeepTheirSign() {
        XCTAssertEqual(floatFromHalfBits(0x0000).bitPattern, Float(0).bitPattern)
        XCTAssertEqual(floatFromHalfBits(0x8000).bitPattern, (-Float(0)).bitPattern)
    }

    func testHalfSubnormals() {
        XCTAssertEqual(floatFromHalfBits(0x0001), 5.960464477539063e-08)  // 2⁻²⁴
        XCTAssertEqual(floatFromHalfBits(0x8001), -5.960464477539063e-08)
        XCTAssertEqual(floatFromHalfBits(0x0200), 3.0517578125e-05)  // 2⁻¹⁵
        XCTAssertEqual(floatFromHalfBits(0x03FF), 6.097555160522461e-05)  // largest subnormal
    }

    func testHalfInfinitiesAndNaN() {
        XCTAssertEqual(floatFromHalfBits(0x7C00), .infinity)
        XCTAssertEqual(floatFromHalfBits(0xFC00), -.infinity)
        XCTAssertTrue(floatFromHalfBits(0x7E00).isNaN)
        XCTAssertTrue(floatFromHalfBits(0x7C01).isNaN)  // signalling NaN stays NaN, not infinity
        XCTAssertTrue(floatFromHalfBits(0xFE00).isNaN)
    }

    #if !(os(macOS) && arch(x86_64))
    /// Every one of the 65,536 half patterns agrees with the standard library's `Float16`.
    func testHalfAgreesWithFloat16ForEveryBitPattern() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = floatFromHalfBits(bits)
            if expected.isNaN {
                XCTAssertTrue(actual.isNaN, "0x\(String(bits, radix: 16))")
            } else if actual.bitPattern != expected.bitPattern {
                XCTFail("0x\(String(bits, radix: 16)): \(actual) != \(expected)")
                return
            }
        }
    }
    #endif

    func testBFloat16Values() {
        XCTAssertEqual(floatFromBFloat16Bits(0x3F80), 1.0)
        XCTAssertEqual(floatFromBFloat16Bits(0xC000), -2.0)
        XCTAssertEqual(floatFromBFloat16Bits(0x4049), 3.140625)
        XCTAssertEqual(floatFromBFloat16Bits(0x7F7F), 3.3895313892515355e38)  // largest finite
        XCTAssertEqual(floatFromBFloat16Bits(0x0080), 0x1p-126)  // smallest normal, 1.1754944e-38
        XCTAssertEqual(floatFromBFloat16Bits(0x0001), 0x1p-133)  // smallest subnormal, 9.18355e-41
        XCTAssertEqual(floatFromBFloat16Bits(0x8000).bitPattern, (-Float(0)).bitPattern)
    }

    func testBFloat16InfinitiesAndNaN() {
        XCTAssertEqual(floatFromBFloat16Bits(0x7F80), .infinity)
        XCTAssertEqual(floatFromBFloat16Bits(0xFF80), -.infinity)
        XCTAssertTrue(floatFromBFloat16Bits(0x7FC0).isNaN)
        XCTAssertTrue(floatFromBFloat16Bits(0x7F81).isNaN)
    }

    func testConversionReadsUnalignedLittleEndianElements() {
        // One leading byte puts every element at an odd address.
        let raw: [UInt8] = [0xAA] + bytes(ofHalfBits: [0x3C00, 0xC000, 0x0001])
        var halves = [Float](repeating: 0, count: 3)
        var brains = [Float](repeating: 0, count: 3)
        raw.withUnsafeBytes { buffer in
            let elements = UnsafeRawBufferPointer(rebasing: buffer[1...])
            halves.withUnsafeMutableBufferPointer { convertHalfToFloat(elements, into: $0) }
            brains.withUnsafeMutableBufferPointer { convertBFloat16ToFloat(elements, into: $0) }
        }
        XCTAssertEqual(halves, [1.0, -2.0, 5.960464477539063e-08])
        XCTAssertEqual(brains, [floatFromBFloat16Bits(0x3C00), -2.0, floatFromBFloat16Bits(0x0001)])
    }
}
