import CBLAS
import CSluiceKernels
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

// Shape convention for every kernel in this file: matrices are row-major; activations are
// `[tokens, hidden]`, one row per token of the (ragged) batch. Sizes are passed explicitly.

/// Up to this many rows, a linear layer streams its weights through `sluice_linear_small_m`
/// (each weight read once at memory speed, or once per 8 rows) instead of the wide kernel or
/// `cblas_sgemm`, which streams the `[out, in]` layout at about half the memory bandwidth for
/// small M. With a wide kernel (AVX-512, or AVX2 + FMA) that is 6 rows: on a Zen 2, K = 768,
/// 8 rows streamed at 94 GFLOP/s against 82 through the AVX2 wide kernel, and 16 rows (two
/// passes over the weights) at about 47 against 164. Without one (no AVX2), 32: streaming
/// beat OpenBLAS up to there on bert-base (Xeon, Emerald Rapids, 2026-12-07: 4 `test [MASK]`,
/// 32 rows, 75 ms streamed against 92–98 ms through OpenBLAS).
public var smallBatchRowLimit: Int { sluice_wide_available() != 0 ? 6 : 32 }

/// `out[m, n] = sum_k x[m, k] * w[n, k] + bias[n]`: a linear layer with a weight in the
/// Hugging Face `[out, in]` layout. 2·M·N·K FLOP; reads N·K weights once.
public func linearForward(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, rows m: Int, inFeatures k: Int, outFeatures n: Int, runtime: ComputeRuntime
) {
    guard m > 0, n > 0 else { return }
    if m <= smallBatchRowLimit {
        linearForwardStreaming(
            out: out, input: input, weight: weight, bias: bias, rows: m, inFeatures: k, outFeatures: n,
            runtime: runtime)
        return
    }
    if linearForwardWide(
        out: out, input: input, weight: weight, bias: bias, rows: m, inFeatures: k, outFeatures: n,
        runtime: runtime)
    {
        return
    }
    linearForwardBLAS(
        out: out, input: input, weight: weight, bias: bias, rows: m, inFeatures: k, outFeatures: n,
        runtime: runtime)
}

/// `linearForward` through the outer-product kernel (`sluice_linear_wide`), which reads the
/// weights in place instead of packing them as BLAS does. Measured one thread each on a Zen 5
/// core, its AVX-512 form runs at 200–250 GFLOP/s from 32 rows up (peak ~287), well ahead of
/// Debian's OpenBLAS 0.3.21 with its Haswell kernels (what it picks, or is told to pick, there)
/// and of its AVX-512 kernels when forced. Its AVX2 form, on a 2-core Zen 2 (K = 768): 164–192
/// GFLOP/s from 16 to 256 rows against OpenBLAS's 83–182; at K = 3072, 106–168 against
/// 100–179 (OpenBLAS ahead from about 64 rows there). Returns false, having done nothing, where
/// no wide kernel runs (no AVX2, or no memory for the transposed input).
@discardableResult
public func linearForwardWide(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, rows m: Int, inFeatures k: Int, outFeatures n: Int, runtime: ComputeRuntime
) -> Bool {
    guard let input = WideInput(input, rows: m, columns: k, runtime: runtime) else { return false }
    linearForwardWide([(out, weight, bias)], input: input, outFeatures: n, runtime: runtime)
    return true
}

/// Several linear layers of the same shape over the same input (a layer's query, key and
/// value), through the wide kernel in one parallel region: the input transposed once, each
/// thread computing its share of every output.
public func linearForwardWide(
    _ layers: [(out: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?)],
    input: WideInput, outFeatures n: Int, runtime: ComputeRuntime
) {
    let (m, k) = (input.rows, input.columns)
    guard m > 0, n > 0 else { return }
    runtime.parallelRanges(n, granularity: 12, minimumPerThread: 24) { range in
        for layer in layers {
            sluice_linear_wide(
                layer.out, input.transposed, layer.weight, layer.bias, m, k, n, range.lowerBound,
                range.upperBound)
        }
    }
}

/// A feed-forward block's two products, `out = act(input · W1ᵀ + b1) · W2ᵀ + b2`, through the
/// wide kernel: the first writes its output straight into the transposed panels the second
/// reads, bias and activation applied in registers before the store, so neither the
/// activation's pass over memory nor the second product's transpose is left. The same values
/// as `linearForwardWide`, `Activation.apply`, `linearForwardWide` (to the bit where
/// `hiddenFeatures` is a multiple of 16, as every model's is). `hidden` holds
/// `widePaddedRows(rows) · hiddenFeatures` floats. Returns false, having done nothing, where
/// the wide kernel does not run.
public func feedForwardWide(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, rows m: Int, inFeatures k: Int,
    first: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?), activation: Activation,
    hidden: UnsafeMutablePointer<Float>, hiddenFeatures: Int,
    second: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?), outFeatures n: Int,
    runtime: ComputeRuntime
) -> Bool {
    guard m > 0, let x = WideInput(input, rows: m, columns: k, runtime: runtime) else { return false }
    runtime.parallelRanges(hiddenFeatures, granularity: 12, minimumPerThread: 24) { range in
        sluice_linear_wide_to_panels(
            hidden, x.transposed, first.weight, first.bias, m, k, hiddenFeatures, range.lowerBound,
            range.upperBound, activation.code)
    }
    linearForwardWide(
        [(out, second.weight, second.bias)],
        input: WideInput(transposed: hidden, rows: m, columns: hiddenFeatures),
        outFeatures: n, runtime: runtime)
    return true
}

/// Rows the wide kernel's transposed layout holds for `rows` rows: whole panels of 16.
public func widePaddedRows(_ rows: Int) -> Int { sluice_wide_padded_rows(rows) }

/// Activations transposed for the wide kernel, in the calling thread's scratch memory: valid
/// until that thread's next `WideInput` (or in the caller's memory, written by
/// `sluice_linear_wide_to_panels`).
public struct WideInput {
    let transposed: UnsafeMutablePointer<Float>
    let rows: Int
    let columns: Int

    init(transposed: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        self.transposed = transposed
        self.rows = rows
        self.columns = columns
    }

    /// Transposes `input` (`rows × columns`) across the compute threads; nil where the wide
    /// kernel does not run.
    public init?(_ input: UnsafePointer<Float>, rows m: Int, columns k: Int, runtime: ComputeRuntime) {
        guard sluice_wide_available() != 0, let xt = sluice_wide_scratch(sluice_wide_padded_rows(m) * k)
        else {
            return nil
        }
        let panels = sluice_wide_padded_rows(m) / 16
        runtime.parallelRanges(panels, minimumPerThread: max(1, 1_024 / max(k, 1))) { range in
            sluice_transpose_padded(xt, input, m, k, range.lowerBound, range.upperBound)
        }
        transposed = xt
        rows = m
        columns = k
    }
}

/// `linearForward` through the weight-streaming kernel, split by output rows across
/// the runtime's threads.
public func linearForwardStreaming(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, rows m: Int, inFeatures k: Int, outFeatures n: Int, runtime: ComputeRuntime
) {
    guard m > 0, n > 0 else { return }
    runtime.parallelRanges(n, granularity: 8, minimumPerThread: 64) { range in
        sluice_linear_small_m(out, input, weight, bias, m, k, n, range.lowerBound, range.upperBound)
    }
}

/// `linearForward` through `cblas_sgemm`.
public func linearForwardBLAS(
    out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, rows m: Int, inFeatures k: Int, outFeatures n: Int, runtime: ComputeRuntime
) {
    guard m > 0, n > 0 else { return }
    // Each thread computes its own columns: out[:, r] = x · W[r]ᵀ (+ bias[r]), one sgemm each.
    runtime.parallelRanges(n, granularity: 16, minimumPerThread: 64) { range in
        let width = range.count
        if let bias {
            for row in 0..<m {
                (out + row * n + range.lowerBound).update(from: bias + range.lowerBound, count: width)
            }
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(width), Int32(k),
            1.0, input, Int32(k), weight + range.lowerBound * k, Int32(k), bias == nil ? 0.0 : 1.0,
            out + range.lowerBound, Int32(n))
    }
}

/// `C[m, n] = alpha · A[m, k] · op(B) + beta · C`, row-major, with leading dimensions;
/// `transposeB` selects `B` stored as `[n, k]` (true) or `[k, n]` (false).
public func matmul(
    _ c: UnsafeMutablePointer<Float>, ldc: Int, _ a: UnsafePointer<Float>, lda: Int,
    _ b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, k: Int, transposeB: Bool,
    alpha: Float = 1, beta: Float = 0
) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(
        CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
        alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The first index at or after `start` whose value is greater than `threshold` (NaN never
/// is), or `values.count`: a vector scan.
public func firstIndex(in values: UnsafeBufferPointer<Float>, from start: Int, above threshold: Float) -> Int
{
    guard start < values.count, let base = values.baseAddress else { return values.count }
    return sluice_first_above(base, start, values.count, threshold)
}

/// Whether every value is finite (no NaN, no infinity): one vector pass.
public func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
    guard let base = values.baseAddress else { return true }
    return sluice_all_finite(base, values.count) != 0
}

/// In place over `rows` rows of `cols`: `x = (x + residual - mean) / sqrt(var + eps) · gamma + beta`,
/// with the biased variance, as `torch.nn.LayerNorm` applied to `x + residual` (`residual` nil:
/// to `x`). Mean and variance are accumulated in f64 so that long rows lose nothing to rounding.
public func layerNormInPlace(
    _ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>? = nil,
    gamma: UnsafePointer<Float>,
    beta: UnsafePointer<Float>, eps: Float, rows: Int, cols: Int, runtime: ComputeRuntime
) {
    runtime.parallelRanges(rows, minimumPerThread: max(1, 16_384 / max(cols, 1))) { range in
        let offset = range.lowerBound * cols
        sluice_add_layer_norm(x + offset, residual.map { $0 + offset }, gamma, beta, eps, range.count, cols)
    }
}

/// In place over `rows` rows of `cols`: `x = weight · (x + residual) / sqrt(mean((x + residual)²)
/// + eps)`, as transformers' `Qwen3RMSNorm` (and `T5LayerNorm`) in f32 (`residual` nil: of `x`).
/// The mean of squares is accumulated in f64.
public func rmsNormInPlace(
    _ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>? = nil,
    weight: UnsafePointer<Float>, eps: Float, rows: Int, cols: Int, runtime: ComputeRuntime
) {
    runtime.parallelRanges(rows, minimumPerThread: max(1, 16_384 / max(cols, 1))) { range in
        let offset = range.lowerBound * cols
        sluice_add_rms_norm(x + offset, residual.map { $0 + offset }, weight, eps, range.count, cols)
    }
}

/// The activation functions a `config.json` names in `hidden_act`.
public enum Activation: String, Sendable, CaseIterable {
    /// `0.5·x·(1 + erf(x/√2))`, PyTorch's exact GELU.
    case gelu
    /// The tanh approximation: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    case geluNew = "gelu_new"
    /// Same formula as `gelu_new`, under PyTorch's name for it.
    case geluPytorchTanh = "gelu_pytorch_tanh"
    /// `max(0, x)`.
    case relu
    /// `x · σ(x) = x / (1 + e^(−x))`, PyTorch's SiLU (Qwen3's `hidden_act`).
    case silu

    /// Its `SLUICE_ACTIVATION_*` code for the C kernels.
    var code: Int32 {
        switch self {
        case .gelu: return Int32(SLUICE_ACTIVATION_GELU_ERF)
        case .geluNew, .geluPytorchTanh: return Int32(SLUICE_ACTIVATION_GELU_TANH)
        case .relu: return Int32(SLUICE_ACTIVATION_RELU)
        case .silu: return Int32(SLUICE_ACTIVATION_SILU)
        }
    }

    /// Applies the function in place to `count` values, split across the compute threads.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int, runtime: ComputeRuntime) {
        runtime.parallelRanges(count, granularity: 16, minimumPerThread: 8_192) { range in
            sluice_activation_apply(code, x + range.lowerBound, range.count)
        }
    }

    /// `x[i] = act(x[i]) · gate[i]` for `count` values: a gated linear unit's activation and
    /// product in one pass over `x` (each value as `apply` then the product gives it).
    public func applyGated(
        _ x: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, count: Int, runtime: ComputeRuntime
    ) {
        runtime.parallelRanges(count, granularity: 16, minimumPerThread: 8_192) { range in
            sluice_activation_gated(code, x + range.lowerBound, gate + range.lowerBound, range.count)
        }
    }
}

/// Softmax in place over each of `rows` rows of `cols`, as `torch.softmax(dim=-1)` in f32:
/// subtract the row maximum, exponentiate, divide by the sum.
public func softmaxRowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    sluice_softmax_rows(x, rows, cols)
}
