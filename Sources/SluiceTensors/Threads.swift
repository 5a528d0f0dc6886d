import CBLAS

/// How many threads the engine's own kernels split work across: as many as OpenBLAS uses,
/// so the two never ask for more cores than the machine has.
public enum ComputeThreads {
    /// The current count (OpenBLAS's thread count).
    public static var count: Int { max(1, Int(openblas_get_num_threads())) }
}

/// How many threads OpenBLAS uses for one matrix product. The inference thread is the only
/// caller of BLAS, so this is the whole machine's compute parallelism.
public enum BLASThreads {
    /// Sets OpenBLAS's thread count (at least 1).
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    /// OpenBLAS's current thread count.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
