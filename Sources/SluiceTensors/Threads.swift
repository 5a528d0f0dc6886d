import CBLAS

/// How many threads OpenBLAS uses for one matrix product. The inference thread is the only
/// caller of BLAS, so this is the whole machine's compute parallelism.
public enum BLASThreads {
    /// Sets OpenBLAS's thread count (at least 1).
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    /// OpenBLAS's current thread count.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
