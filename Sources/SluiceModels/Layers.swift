import SluiceTensors

/// A linear layer's weights in the checkpoint's `[out, in]` layout.
/// Mirrors `torch.nn.Linear`.
struct Linear: Sendable {
    let weight: WeightBuffer
    let bias: WeightBuffer?
    let inFeatures: Int
    let outFeatures: Int

    init(_ weights: WeightStore, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool = true) throws {
        weight = try weights.tensor("weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? try weights.tensor("bias", shape: [outFeatures]) : nil
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// A layer over weights found elsewhere (a decoder tied to the word embeddings).
    init(weight: WeightBuffer, bias: WeightBuffer?) {
        precondition(weight.shape.count == 2 && bias.map { $0.shape == [weight.shape[0]] } ?? true)
        self.weight = weight
        self.bias = bias
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
    }

    /// `out[rows, outFeatures] = input[rows, inFeatures] · weightᵀ + bias`.
    func forward(_ input: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        linearForward(
            out: out, input: input, weight: weight.baseAddress, bias: bias?.baseAddress, rows: rows,
            inFeatures: inFeatures, outFeatures: outFeatures)
    }
}

/// Mirrors `torch.nn.LayerNorm` (`weight`, `bias`, `eps`).
struct LayerNorm: Sendable {
    let weight: WeightBuffer
    let bias: WeightBuffer
    let eps: Float
    let width: Int

    init(_ weights: WeightStore, width: Int, eps: Float) throws {
        self.weight = try weights.tensor("weight", shape: [width])
        self.bias = try weights.tensor("bias", shape: [width])
        self.eps = eps
        self.width = width
    }

    func forward(inPlace x: UnsafeMutablePointer<Float>, rows: Int) {
        layerNormInPlace(
            x, gamma: weight.baseAddress, beta: bias.baseAddress, eps: eps, rows: rows, cols: width)
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
