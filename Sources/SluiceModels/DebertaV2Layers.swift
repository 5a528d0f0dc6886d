import SluiceTensors

/// DeBERTa-v2's embeddings. Mirrors `DebertaV2Embeddings`: word embeddings (`embedding_size`
/// wide), plus absolute positions from 0 when `position_biased_input`, plus token types when
/// `type_vocab_size` > 0, widened by `embed_proj` (no bias) when narrower than the hidden state,
/// then `LayerNorm`. Without padding the mask multiply is the identity.
struct DebertaV2Embeddings: TokenEmbedding {
    /// `embedding_size` wide.
    let wordEmbeddings: EmbeddingTable
    let positionEmbeddings: EmbeddingTable?
    let tokenTypeEmbeddings: EmbeddingTable?
    let project: Linear?
    let layerNorm: LayerNorm

    /// Loads the embeddings under `weights` (`embeddings.` already scoped).
    init(_ weights: WeightStore, config: EncoderConfig, settings: DebertaV2Settings) throws {
        let e = config.embeddingSize
        let h = config.hiddenSize
        wordEmbeddings = try EmbeddingTable(
            weights, "word_embeddings.weight", rows: config.vocabSize, width: e)
        positionEmbeddings =
            settings.positionBiasedInput
            ? try EmbeddingTable(
                weights, "position_embeddings.weight", rows: config.maxPositionEmbeddings, width: e) : nil
        tokenTypeEmbeddings =
            config.typeVocabSize > 0
            ? try EmbeddingTable(
                weights, "token_type_embeddings.weight", rows: config.typeVocabSize, width: e)
            : nil
        project = e == h ? nil : try Linear(weights.scoped("embed_proj"), in: e, out: h, bias: false)
        layerNorm = try LayerNorm(weights.scoped("LayerNorm"), width: h, eps: config.layerNormEps)
    }

    var width: Int { layerNorm.width }

    func forward(_ batch: RaggedBatch, into out: UnsafeMutablePointer<Float>) throws {
        let e = wordEmbeddings.width
        let rows = batch.tokenCount
        let summed = project.map { _ in Scratch(rows * e) }
        let sums = summed?.pointer ?? out
        for sequence in batch.sequences {
            if let positionEmbeddings, sequence.count > positionEmbeddings.rows {
                throw ModelError(
                    "sequence of \(sequence.count) tokens is longer than the model's \(positionEmbeddings.rows) positions (max_position_embeddings)"
                )
            }
            for (position, row) in sequence.enumerated() {
                let dst = sums + row * e
                dst.update(from: try wordEmbeddings.row(ofToken: batch.ids[row]), count: e)
                // The reference's order: (word + position) + token type.
                if let positionEmbeddings {
                    let pos = positionEmbeddings[position]
                    for c in 0..<e { dst[c] += pos[c] }
                }
                if let tokenTypeEmbeddings {
                    let tt = try tokenTypeEmbeddings.row(ofType: batch.typeIds[row])
                    for c in 0..<e { dst[c] += tt[c] }
                }
            }
        }
        project?.forward(sums, rows: rows, into: out)
        layerNorm.forward(inPlace: out, rows: rows)
    }
}

/// The first layer followed by DeBERTa-v2's convolution over that layer's input. Mirrors
/// `DebertaV2Encoder.forward`'s `if i == 0 and self.conv is not None` with `ConvLayer`:
/// `LayerNorm(layer(x) + act(conv1d(x)))`, the 1-D convolution over each sequence's positions
/// (`conv_kernel_size`, padding `(k − 1) / 2` of zeros at both ends, `conv_groups`).
struct ConvolvedLayer: EncoderBlock {
    let layer: any EncoderBlock
    let convolution: Convolution1D
    let activation: HeadStep
    let norm: LayerNorm

    func forward(_ x: UnsafeMutablePointer<Float>, pass: LayerPass) {
        let h = norm.width
        let rows = pass.rows
        let input = Scratch(rows * h)
        input.pointer.update(from: x, count: rows * h)
        layer.forward(x, pass: pass)
        let convolved = Scratch(rows * h)
        convolution.forward(input.pointer, sequences: pass.sequences, into: convolved.pointer)
        activation.apply(convolved.pointer, count: rows * h, runtime: norm.runtime)
        norm.forward(inPlace: x, adding: convolved.pointer, rows: rows)
    }

    /// The layer's weights and the convolution's (`kernel · channels · channels / groups` per row).
    var weightCount: Int {
        layer.weightCount + convolution.taps.count * convolution.channels * convolution.channels
            / convolution.groups
    }

    func attentionMultiplyAdds(length: Int, tables: [any PassTable]) -> Int {
        layer.attentionMultiplyAdds(length: length, tables: tables)
    }

    /// The whole block, then the kept rows: only a one-layer encoder asks this of it.
    func forward(
        _ x: UnsafeMutablePointer<Float>, pass: LayerPass, keeping keep: [Int],
        into result: UnsafeMutablePointer<Float>
    ) {
        forward(x, pass: pass)
        let h = norm.width
        for (i, row) in keep.enumerated() { (result + i * h).update(from: x + row * h, count: h) }
    }
}

/// `torch.nn.Conv1d(channels, channels, kernel, padding: (kernel − 1) / 2, groups:)` over the
/// positions of each sequence of a ragged batch, `[rows, channels]` in and out: each output row
/// is the bias plus, for each kernel offset, the input row that far away times that offset's
/// `[channels, channels / groups]` slice of the weight (zero beyond the sequence's ends).
struct Convolution1D: Sendable {
    /// Per kernel offset, `[channels, channels / groups]`: `weight[:, :, offset]`.
    let taps: [[Float]]
    let bias: WeightBuffer
    let channels: Int
    let groups: Int

    /// Loads `weight` (`[channels, channels / groups, kernel]`) and `bias`.
    init(_ weights: WeightStore, channels: Int, kernel: Int, groups: Int) throws {
        let perGroup = channels / groups
        let weight = try weights.tensor("weight", shape: [channels, perGroup, kernel])
        taps = (0..<kernel).map { offset in
            (0..<(channels * perGroup)).map { weight.baseAddress[$0 * kernel + offset] }
        }
        bias = try weights.tensor("bias", shape: [channels])
        self.channels = channels
        self.groups = groups
    }

    func forward(
        _ input: UnsafePointer<Float>, sequences: [Range<Int>], into out: UnsafeMutablePointer<Float>
    ) {
        let c = channels
        let perGroup = c / groups
        let pad = (taps.count - 1) / 2
        for sequence in sequences {
            for row in sequence { (out + row * c).update(from: bias.baseAddress, count: c) }
            for (offset, tap) in taps.enumerated() {
                // Output row t reads input row t + offset − pad, where it lies in the sequence.
                let shift = offset - pad
                let first = max(sequence.lowerBound, sequence.lowerBound - shift)
                let end = min(sequence.upperBound, sequence.upperBound - shift)
                guard first < end else { continue }
                tap.withUnsafeBufferPointer { tap in
                    for group in 0..<groups {
                        let channel = group * perGroup
                        // out[first..<end, group] += input[shifted rows, group] · tap[group]ᵀ
                        matmul(
                            out + first * c + channel, ldc: c, input + (first + shift) * c + channel, lda: c,
                            tap.baseAddress! + channel * perGroup, ldb: perGroup, m: end - first, n: perGroup,
                            k: perGroup, transposeB: true, beta: 1)
                    }
                }
            }
        }
    }
}
