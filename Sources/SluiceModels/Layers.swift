import SluiceTensors

/// A linear layer's weights in the checkpoint's `[out, in]` layout.
/// Mirrors `torch.nn.Linear`.
public struct Linear: Sendable {
    let weight: LinearWeight
    let bias: WeightBuffer?
    /// Values per input row.
    public let inFeatures: Int
    /// Values per output row.
    public let outFeatures: Int
    /// Weights, `inFeatures · outFeatures`: multiply-adds per row.
    var weightCount: Int { inFeatures * outFeatures }
    let runtime: ComputeRuntime

    /// Loads `weight` (and `bias`), held as `weights.denseWeights` says, computed on
    /// `weights.runtime`.
    public init(
        _ weights: WeightStore, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool = true
    ) throws {
        weight = try weights.linearWeight("weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? try weights.tensor("bias", shape: [outFeatures]) : nil
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        runtime = weights.runtime
    }

    /// The layers a fused projection holds one after another: `weight` (and `bias`) cut into
    /// `parts` equal runs of output rows (ModernBERT's `Wqkv` into query, key and value; its
    /// `Wi` into the activated input and the gate).
    static func split(
        _ weights: WeightStore, in inFeatures: Int, out outFeatures: Int, parts: Int, bias hasBias: Bool
    ) throws -> [Linear] {
        let whole = try weights.tensor("weight", shape: [parts * outFeatures, inFeatures])
        let bias = hasBias ? try weights.tensor("bias", shape: [parts * outFeatures]) : nil
        return (0..<parts).map { part in
            let rows = (part * outFeatures)..<((part + 1) * outFeatures)
            return Linear(
                weight: LinearWeight(whole.rows(rows), format: weights.denseWeights), bias: bias?.rows(rows),
                runtime: weights.runtime)
        }
    }

    /// A layer over a weight found elsewhere (a decoder tied to the word embeddings).
    init(weight: LinearWeight, bias: WeightBuffer?, runtime: ComputeRuntime) {
        precondition(bias.map { $0.count == weight.rows } ?? true)
        self.weight = weight
        self.bias = bias
        outFeatures = weight.rows
        inFeatures = weight.columns
        self.runtime = runtime
    }

    /// `[rows, outFeatures] = input[rows, inFeatures] · weightᵀ + bias`.
    public func forward(_ input: [Float], rows: Int) -> [Float] {
        precondition(input.count == rows * inFeatures, "expected \(rows) rows of \(inFeatures)")
        guard rows > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: rows * outFeatures) { out, initialized in
            input.withUnsafeBufferPointer { forward($0.baseAddress!, rows: rows, into: out.baseAddress!) }
            initialized = rows * outFeatures
        }
    }

    /// `out[rows, outFeatures] = input[rows, inFeatures] · weightᵀ + bias`.
    func forward(_ input: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        let bias = bias?.baseAddress
        switch weight {
        case .f32(let weight):
            linearForward(
                out: out, input: input, weight: weight.baseAddress, bias: bias, rows: rows,
                inFeatures: inFeatures, outFeatures: outFeatures, runtime: runtime)
        case .bf16(let weight):
            linearForward(out: out, input: input, weight: weight, bias: bias, rows: rows, runtime: runtime)
        case .int8(let weight, let activations):
            linearForward(
                out: out, input: input, weight: weight, bias: bias, rows: rows, activations: activations,
                runtime: runtime)
        }
    }
}

/// A linear layer's `[out, in]` weight in the format the model was loaded with.
enum LinearWeight: Sendable {
    case f32(WeightBuffer)
    case bf16(BFloat16Weights)
    case int8(Int8Weights, Int8Activations)

    /// `weight` converted to `format` (rounded to bf16, or quantized per row to int8).
    init(_ weight: WeightBuffer, format: DenseWeightFormat) {
        let rows = weight.shape[0]
        let columns = weight.shape[1]
        switch format {
        case .f32: self = .f32(weight)
        case .bf16: self = .bf16(BFloat16Weights(rounding: weight.baseAddress, rows: rows, columns: columns))
        case .int8, .int8Dynamic:
            self = .int8(
                Int8Weights(quantizing: weight.baseAddress, rows: rows, columns: columns),
                format == .int8 ? .f32 : .quantized)
        }
    }

    /// Output features.
    var rows: Int {
        switch self {
        case .f32(let weight): return weight.shape[0]
        case .bf16(let weight): return weight.rows
        case .int8(let weight, _): return weight.rows
        }
    }

    /// Input features.
    var columns: Int {
        switch self {
        case .f32(let weight): return weight.shape[1]
        case .bf16(let weight): return weight.columns
        case .int8(let weight, _): return weight.columns
        }
    }

    /// How the values are held.
    var format: DenseWeightFormat {
        switch self {
        case .f32: return .f32
        case .bf16: return .bf16
        case .int8(_, .f32): return .int8
        case .int8(_, .quantized): return .int8Dynamic
        }
    }
}

extension Linear {
    /// Layers of f32 weights and one shape over the same input, through the wide kernel in one
    /// parallel region (the input transposed once). False, having done nothing, for batches the
    /// streaming kernel serves, other weight formats, or where the wide kernel does not run.
    static func forwardWide(
        _ layers: [(Linear, UnsafeMutablePointer<Float>)], _ input: UnsafePointer<Float>, rows: Int
    ) -> Bool {
        guard rows > smallBatchRowLimit, let first = layers.first?.0 else { return false }
        var operands:
            [(out: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?)] =
                []
        for (layer, out) in layers {
            guard case .f32(let weight) = layer.weight, layer.inFeatures == first.inFeatures,
                layer.outFeatures == first.outFeatures
            else { return false }
            operands.append((out, weight.baseAddress, layer.bias?.baseAddress))
        }
        guard let wide = WideInput(input, rows: rows, columns: first.inFeatures, runtime: first.runtime)
        else {
            return false
        }
        linearForwardWide(operands, input: wide, outFeatures: first.outFeatures, runtime: first.runtime)
        return true
    }
}

extension Linear {
    /// `out = second(act(first(input)))` with f32 weights through `feedForwardWide` (`hidden`
    /// holds `widePaddedRows(rows) · first.outFeatures` floats). False, having done
    /// nothing, for batches the streaming kernel serves, other weight formats, or where the
    /// wide kernel does not run.
    static func feedForwardWide(
        _ first: Linear, _ activation: Activation, _ second: Linear, _ input: UnsafePointer<Float>, rows: Int,
        hidden: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard rows > smallBatchRowLimit, case .f32(let w1) = first.weight, case .f32(let w2) = second.weight,
            second.inFeatures == first.outFeatures
        else { return false }
        return SluiceTensors.feedForwardWide(
            out: out, input: input, rows: rows, inFeatures: first.inFeatures,
            first: (w1.baseAddress, first.bias?.baseAddress), activation: activation, hidden: hidden,
            hiddenFeatures: first.outFeatures, second: (w2.baseAddress, second.bias?.baseAddress),
            outFeatures: second.outFeatures, runtime: first.runtime)
    }
}

/// The norm kind of a block: `x = Norm(x + residual)` in place over `rows` rows: `LayerNorm`,
/// or `RMSNorm` (Qwen3).
protocol ResidualNorm: Sendable {
    /// `x = Norm(x + residual)` (`residual` nil: `Norm(x)`).
    func forward(inPlace x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>?, rows: Int)
}

/// Mirrors `torch.nn.LayerNorm` (`weight`, `bias`, `eps`; `bias=False` as ModernBERT's
/// `norm_bias` allows).
struct LayerNorm: ResidualNorm {
    let weight: WeightBuffer
    /// The shift; zeros for a norm without one, which computes the same.
    let bias: WeightBuffer
    let eps: Float
    let runtime: ComputeRuntime

    /// Loads `weight` (and `bias` when `hasBias`) under `weights`.
    init(_ weights: WeightStore, width: Int, eps: Float, bias hasBias: Bool = true) throws {
        self.weight = try weights.tensor("weight", shape: [width])
        self.bias =
            hasBias
            ? try weights.tensor("bias", shape: [width])
            : WeightBuffer(copying: [Float](repeating: 0, count: width), shape: [width])
        self.eps = eps
        self.runtime = weights.runtime
    }

    /// Values per row: the length of `weight` (and `bias`), checked at load.
    var width: Int { weight.count }

    /// `x = LayerNorm(x + residual)` in place (`residual` nil: `LayerNorm(x)`): a residual
    /// connection and its norm in one pass.
    func forward(
        inPlace x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>? = nil, rows: Int
    ) {
        layerNormInPlace(
            x, adding: residual, gamma: weight.baseAddress, beta: bias.baseAddress, eps: eps, rows: rows,
            cols: width, runtime: runtime)
    }
}

/// Mirrors transformers' `Qwen3RMSNorm` (`T5LayerNorm`): `weight · x / sqrt(mean(x²) + eps)`
/// in f32, no shift. Qwen3's per-head query and key norms are one over `rows · heads` rows of
/// `head_dim`.
struct RMSNorm: ResidualNorm {
    let weight: WeightBuffer
    let eps: Float
    let runtime: ComputeRuntime

    /// Loads `weight` (`[width]`) under `weights`.
    init(_ weights: WeightStore, width: Int, eps: Float) throws {
        weight = try weights.tensor("weight", shape: [width])
        self.eps = eps
        runtime = weights.runtime
    }

    /// Values per row: the length of `weight`.
    var width: Int { weight.count }

    func forward(
        inPlace x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>? = nil, rows: Int
    ) {
        rmsNormInPlace(
            x, adding: residual, weight: weight.baseAddress, eps: eps, rows: rows, cols: width,
            runtime: runtime)
    }
}

/// Uninitialised f32 scratch memory of a fixed size, freed with the value's owner.
final class Scratch {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
