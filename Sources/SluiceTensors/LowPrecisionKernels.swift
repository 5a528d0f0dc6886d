import CBLAS
import CSluiceKernels

// Dense layers whose weights are held in 16 or 8 bits and computed in f32. Shapes as in
// Kernels.swift: activations `[tokens, features]`, weights `[out, in]`, row-major.
//
// Small batches stream the weights through the C kernels (each weight read once, widened in
// registers): the bytes read per forward pass fall to 1/2 (bf16) or 1/4 (int8) of f32. Larger
// batches (`lowPrecisionStreamingRowLimit`) are compute-bound: each thread widens a tile of
// weight rows into f32 scratch and multiplies it with the AVX-512 outer-product kernel (or
// `cblas_sgemm`). int8-dynamic multiplies every batch of two or
// more rows with integer dot products instead (about twice the f32 rate on AVX-VNNI).

/// How a model holds the weights of its dense (linear) layers. Embeddings and layer norms
/// stay f32 whatever this says.
public enum DenseWeightFormat: String, Sendable, CaseIterable {
    /// The checkpoint's f32 values (memory-mapped, not copied, when the file stores f32).
    case f32
    /// bfloat16 (8 exponent bits, 8 significant bits), rounded to nearest even; computed in f32.
    case bf16
    /// Symmetric int8 with one f32 scale per output row (`max |w| / 127`); computed in f32.
    case int8
    /// The same int8 weights, and the input rows quantized to int8 at run time too (any batch
    /// of two rows or more), multiplied by integer dot products: faster, less exact
    /// (`Int8Activations.quantized`).
    case int8Dynamic = "int8-dynamic"
}

/// Up to this many rows, a bf16 or int8 (f32 input) linear layer streams its weights through
/// the C kernels; above it each thread widens tiles of weights to f32 and multiplies them by the
/// outer-product kernel (AVX-512 or AVX2), or by `cblas_sgemm` without one. Measured on
/// bert-base `test [MASK]` batches: with AVX-512, 16 rows take 15–16 ms widened against 21–22 ms
/// streamed in bf16 (int8: 13 against 19–20), and 32 rows 22 against 37–41 ms (int8: 18–20
/// against 33–38); without a wide kernel the streaming kernels pay up to 32 rows. (The AVX2
/// kernel takes the AVX-512 limit unmeasured.)
public var lowPrecisionStreamingRowLimit: Int { sluice_wide_available() != 0 ? 8 : 32 }

/// A `[out, in]` weight matrix in bfloat16.
public struct BFloat16Weights: @unchecked Sendable {
    /// First value (bf16 bit patterns); valid while `owner` lives.
    public let baseAddress: UnsafePointer<UInt16>
    /// Output features (rows).
    public let rows: Int
    /// Input features (columns).
    public let columns: Int
    // Retained only to keep `baseAddress` valid.
    private let owner: AnyObject

    /// Views bf16 values that `owner` keeps alive (a checkpoint's own bf16 tensor: no copy).
    public init(viewing baseAddress: UnsafePointer<UInt16>, rows: Int, columns: Int, owner: AnyObject) {
        self.baseAddress = baseAddress
        self.rows = rows
        self.columns = columns
        self.owner = owner
    }

    /// Rounds f32 weights `[rows, columns]` to bf16 (nearest, ties to even).
    public init(rounding weights: UnsafePointer<Float>, rows: Int, columns: Int) {
        let storage = OwnedStorage<UInt16>(rows * columns)
        sluice_f32_to_bf16(storage.pointer, weights, rows * columns)
        self.init(viewing: storage.pointer, rows: rows, columns: columns, owner: storage)
    }

    /// Bytes held.
    public var byteCount: Int { rows * columns * 2 }
}

/// A `[out, in]` weight matrix in int8 with one f32 scale per row: `w[r, c] ≈ scales[r] · q[r, c]`.
public struct Int8Weights: @unchecked Sendable {
    /// The quantized values, `[rows, columns]`.
    public let values: UnsafePointer<Int8>
    /// One scale per row.
    public let scales: UnsafePointer<Float>
    /// The sum of each row's quantized values (for the integer kernel's offset correction).
    public let rowSums: UnsafePointer<Int32>
    /// Output features (rows).
    public let rows: Int
    /// Input features (columns).
    public let columns: Int
    // Retained only to keep `values` and `scales` valid.
    private let owner: AnyObject

    /// Quantizes f32 weights `[rows, columns]` row by row (symmetric, `max |w| / 127`).
    public init(quantizing weights: UnsafePointer<Float>, rows: Int, columns: Int) {
        let values = OwnedStorage<Int8>(rows * columns)
        let scales = OwnedStorage<Float>(rows)
        let rowSums = OwnedStorage<Int32>(rows)
        sluice_quantize_rows_int8(values.pointer, scales.pointer, weights, rows, columns)
        sluice_int8_row_sums(rowSums.pointer, values.pointer, rows, columns)
        self.values = UnsafePointer(values.pointer)
        self.scales = UnsafePointer(scales.pointer)
        self.rowSums = UnsafePointer(rowSums.pointer)
        self.rows = rows
        self.columns = columns
        self.owner = [values, scales, rowSums] as AnyObject
    }

    /// Bytes held (values, scales and row sums).
    public var byteCount: Int { rows * columns + rows * 8 }
}

/// How an int8 linear layer treats its input on small batches.
public enum Int8Activations: Sendable {
    /// Quantized per row to int8 (`max |x| / 127`; `torch.ao.quantization.quantize_dynamic`
    /// does this per tensor) and multiplied by integer dot products: the weights stream at the
    /// memory rate. One input row alone stays f32, where f32 is as fast.
    case quantized
    /// Kept in f32, the weights widened to f32 in registers: more exact, but bound by f32 FMAs
    /// from about three input rows on (about half the memory rate at four rows).
    case f32
}

/// `out[m, n] = sum_k x[m, k] · w[n, k] + bias[n]` with bf16 weights. 2·M·N·K FLOP; reads
/// 2·N·K bytes of weights once for small M.
public func linearForward(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: BFloat16Weights,
    bias: UnsafePointer<Float>?, rows m: Int, runtime: ComputeRuntime
) {
    let n = weight.rows
    let k = weight.columns
    guard m > 0, n > 0 else { return }
    if m <= lowPrecisionStreamingRowLimit {
        runtime.parallelRanges(n, granularity: 8, minimumPerThread: 64) { range in
            sluice_linear_bf16_small_m(
                out, input, weight.baseAddress, bias, m, k, n, range.lowerBound, range.upperBound)
        }
        return
    }
    linearForwardWidened(
        out: out, input: input, bias: bias, rows: m, inFeatures: k, outFeatures: n, runtime: runtime
    ) {
        tile, rows in
        sluice_bf16_to_f32(tile, weight.baseAddress + rows.lowerBound * k, rows.count * k)
    }
}

/// `out[m, n] = scales[n] · sum_k x[m, k] · q[n, k] + bias[n]` with int8 weights. 2·M·N·K
/// multiply-adds; reads N·K bytes of weights once for small M, where `activations` says how
/// the input is treated (one row alone always stays f32).
public func linearForward(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: Int8Weights,
    bias: UnsafePointer<Float>?, rows m: Int, activations: Int8Activations, runtime: ComputeRuntime
) {
    let n = weight.rows
    let k = weight.columns
    guard m > 0, n > 0 else { return }
    if m > 1, activations == .quantized {
        let quantized = OwnedStorage<UInt8>(m * k)
        let scales = OwnedStorage<Float>(m)
        runtime.parallelRanges(m, minimumPerThread: 8) { rows in
            sluice_quantize_activations_u8(
                quantized.pointer + rows.lowerBound * k, scales.pointer + rows.lowerBound,
                input + rows.lowerBound * k,
                rows.count, k)
        }
        runtime.parallelRanges(n, granularity: 8, minimumPerThread: 64) { range in
            sluice_linear_int8_quantized_small_m(
                out, quantized.pointer, scales.pointer, weight.values, weight.scales, weight.rowSums, bias, m,
                k,
                n, range.lowerBound, range.upperBound)
        }
        return
    }
    if m <= lowPrecisionStreamingRowLimit {
        runtime.parallelRanges(n, granularity: 8, minimumPerThread: 64) { range in
            sluice_linear_int8_small_m(
                out, input, weight.values, weight.scales, bias, m, k, n, range.lowerBound, range.upperBound)
        }
        return
    }
    linearForwardWidened(
        out: out, input: input, bias: bias, rows: m, inFeatures: k, outFeatures: n, runtime: runtime
    ) {
        tile, rows in
        sluice_int8_to_f32(
            tile, weight.values + rows.lowerBound * k, weight.scales + rows.lowerBound, rows.count, k)
    }
}

/// The large-batch path: each thread takes a range of output features and, a tile of weight
/// rows at a time, widens them into f32 scratch (`widen(tile, rows)`) and multiplies the input
/// by it: with the AVX-512 outer-product kernel (`sluice_linear_wide`, the input transposed
/// once for both threads) where it runs, else one sgemm per tile. A tile is about 512 KB of
/// f32, so it stays in the core's cache while it is used; widening costs N·K operations per
/// call against 2·M·N·K FLOP.
func linearForwardWidened(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    rows m: Int, inFeatures k: Int, outFeatures n: Int, runtime: ComputeRuntime,
    widen: (UnsafeMutablePointer<Float>, Range<Int>) -> Void
) {
    // Multiples of 48 rows suit both kernels (sgemm's 16, the wide kernel's 12).
    let tileRows = max(48, (131_072 / max(k, 1)) / 48 * 48)
    let wide = WideInput(input, rows: m, columns: k, runtime: runtime)
    runtime.parallelRanges(n, granularity: 48, minimumPerThread: 96) { range in
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: min(tileRows, range.count) * k)
        defer { tile.deallocate() }
        var start = range.lowerBound
        while start < range.upperBound {
            let rows = start..<min(range.upperBound, start + tileRows)
            widen(tile, rows)
            if let wide {
                // The tile's rows are outputs rows.lowerBound… of `out`.
                sluice_linear_wide(
                    out + rows.lowerBound, wide.transposed, tile, bias.map { $0 + rows.lowerBound }, m, k, n,
                    0,
                    rows.count)
            } else {
                if let bias {
                    for row in 0..<m {
                        (out + row * n + rows.lowerBound).update(
                            from: bias + rows.lowerBound, count: rows.count)
                    }
                }
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(rows.count), Int32(k),
                    1.0, input, Int32(k), tile, Int32(k), bias == nil ? 0.0 : 1.0,
                    out + rows.lowerBound, Int32(n))
            }
            start = rows.upperBound
        }
    }
}

/// Heap storage with a stable address, freed with the object.
final class OwnedStorage<Element> {
    let pointer: UnsafeMutablePointer<Element>

    init(_ count: Int) { pointer = .allocate(capacity: max(count, 1)) }

    deinit { pointer.deallocate() }
}
