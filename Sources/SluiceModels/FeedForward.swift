import SluiceTensors

/// A block's position-wise feed-forward network, `[rows, hidden] → [rows, hidden]`. `MLP` is
/// the one the families here share; a gated one (ModernBERT's, Qwen3's) would be another
/// conformer.
protocol FeedForward: Sendable {
    /// `out = ffn(x)` for `rows` rows; `hidden` holds `widePaddedRows(rows) · intermediateSize`
    /// floats of scratch.
    func forward(
        _ x: UnsafePointer<Float>, rows: Int, hidden: UnsafeMutablePointer<Float>,
        into out: UnsafeMutablePointer<Float>)
    /// Weights of its linear layers (multiply-adds per row).
    var weightCount: Int { get }
}

/// `act(x · W1ᵀ + b1) · W2ᵀ + b2`. Mirrors `BertIntermediate` + `BertOutput.dense` (and
/// DistilBERT's `FFN`, MPNet's copies).
struct MLP: FeedForward {
    let intermediate: Linear
    let activation: Activation
    let output: Linear

    var weightCount: Int { intermediate.weightCount + output.weightCount }

    /// Loads `first` (`hidden → intermediate_size`) and `second` (back) under `weights`.
    init(_ weights: WeightStore, first: String, second: String, config: EncoderConfig) throws {
        intermediate = try Linear(weights.scoped(first), in: config.hiddenSize, out: config.intermediateSize)
        output = try Linear(weights.scoped(second), in: config.intermediateSize, out: config.hiddenSize)
        activation = config.hiddenAct
    }

    func forward(
        _ x: UnsafePointer<Float>, rows: Int, hidden: UnsafeMutablePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        if !Linear.feedForwardWide(intermediate, activation, output, x, rows: rows, hidden: hidden, into: out)
        {
            intermediate.forward(x, rows: rows, into: hidden)
            activation.apply(hidden, count: rows * intermediate.outFeatures, runtime: output.runtime)
            output.forward(hidden, rows: rows, into: out)
        }
    }
}

/// `(act(x · Wₐᵀ + bₐ) ⊙ (x · W_gᵀ + b_g)) · W₂ᵀ + b₂`: a gated linear unit. Mirrors
/// `ModernBertMLP` (one fused `Wi`, the activated half first, then the gate); Qwen3's
/// `gate_proj` / `up_proj` pair is the same with two weights. Its scratch holds both halves:
/// `2 · widePaddedRows(rows) · intermediate` floats (`EncoderParts.feedForwardWidth`).
struct GatedMLP: FeedForward {
    /// The half that goes through `activation`.
    let activated: Linear
    /// The half it is multiplied by.
    let gate: Linear
    let activation: Activation
    let output: Linear

    var weightCount: Int { activated.weightCount + gate.weightCount + output.weightCount }

    func forward(
        _ x: UnsafePointer<Float>, rows: Int, hidden: UnsafeMutablePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let width = activated.outFeatures
        let gated = hidden + widePaddedRows(rows) * width
        if !Linear.forwardWide([(activated, hidden), (gate, gated)], x, rows: rows) {
            activated.forward(x, rows: rows, into: hidden)
            gate.forward(x, rows: rows, into: gated)
        }
        activation.applyGated(hidden, gate: gated, count: rows * width, runtime: output.runtime)
        output.forward(hidden, rows: rows, into: out)
    }
}
