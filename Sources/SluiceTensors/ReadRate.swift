import Dispatch

/// The memory floor's rate: bytes per second that all compute threads together read from a
/// buffer much larger than the caches (512 MB of floats), split across the same thread pool
/// the kernels use; the best of five passes. For benchmarks (`sluice bench`, the low-precision
/// benchmark), not for serving.
public func measureReadBandwidth(runtime: ComputeRuntime) -> Double {
    let count = 128 << 20
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    buffer.initialize(repeating: 1, count: count)
    let workers = runtime.threads
    let chunk = count / workers / 8 * 8
    var sums = [Float](repeating: 0, count: workers)
    var best = 0.0
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        sums.withUnsafeMutableBufferPointer { sums in
            runtime.parallelFor(workers) { w in
                let base = UnsafeRawPointer(buffer + w * chunk)
                var acc = SIMD8<Float>()
                for i in stride(from: 0, to: chunk, by: 8) {
                    acc += base.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                }
                sums[w] = acc.sum()  // keeps the loop from being optimised away
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        best = max(best, Double(chunk * workers * 4) / seconds)
    }
    if sums.contains(-1) { print("") }
    return best
}
