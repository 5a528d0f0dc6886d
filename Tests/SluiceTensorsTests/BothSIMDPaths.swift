import Foundation
import XCTest

@testable import SluiceTensors

/// A kernel test case that runs on the paths `SLUICE_SIMD` names (`auto`, `avx2`, `avx512`, as
/// `--simd`), or on the default ones (AVX-512 where the processor has it) when it is unset.
/// `scripts/test.sh` runs these tests a second time with `SLUICE_SIMD=avx2`, so the AVX2 paths
/// are checked on an AVX-512 host too.
class SIMDPathTestCase: XCTestCase {
    override class func setUp() {
        super.setUp()
        guard let name = ProcessInfo.processInfo.environment["SLUICE_SIMD"] else { return }
        guard let mode = KernelMode(rawValue: name) else { fatalError("SLUICE_SIMD=\(name) is not a mode") }
        do { _ = try KernelChoice.apply(mode) } catch { fatalError("SLUICE_SIMD=\(name): \(error)") }
    }
}
