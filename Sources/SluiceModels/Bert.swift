import SluiceTensors

/// Mirrors `transformers.models.bert.modeling_bert.BertEmbeddings`: word + absolute position +
/// token type embeddings, then layer norm.
struct BertEmbeddings: Sendable {
    let wordEmbeddings: WeightBuffer
    let positionEmbeddings: WeightBuffer
    let tokenTypeEmbeddings: WeightBuffer
    let layerNorm: LayerNorm
    let config: BertConfig

    init(_ weights: WeightStore, config: BertConfig) throws {
        let h = config.hiddenSize
        wordEmbeddings = try weights.tensor("word_embeddings.weight", shape: [config.vocabSize, h])
        positionEmbeddings = try weights.tensor(
            "position_embeddings.weight", shape: [config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try weights.tensor(
            "token_type_embeddings.weight", shape: [config.typeVocabSize, h])
        layerNorm = try LayerNorm(weights.scoped("LayerNorm"), width: h, eps: config.layerNormEps)
        self.config = config
    }

    /// Writes `[tokens, hidden]` rows for the batch into `out`.
    func forward(_ batch: RaggedBatch, into out: UnsafeMutablePointer<Float>) throws {
        let h = config.hiddenSize
        for sequence in batch.sequences {
            guard sequence.count <= config.maxPositionEmbeddings else {
                throw ModelError(
                    "sequence of \(sequence.count) tokens exceeds max_position_embeddings \(config.maxPositionEmbeddings)"
                )
            }
            for (position, row) in sequence.enumerated() {
                let id = Int(batch.ids[row])
                let type = Int(batch.typeIds[row])
                guard id >= 0, id < config.vocabSize else {
                    throw ModelError("token id \(id) is outside the vocabulary of \(config.vocabSize)")
                }
                guard type >= 0, type < config.typeVocabSize else {
                    throw ModelError(
                        "token type id \(type) is outside type_vocab_size \(config.typeVocabSize)")
                }
                let dst = out + row * h
                let word = wordEmbeddings.baseAddress + id * h
                let pos = positionEmbeddings.baseAddress + position * h
                let tt = tokenTypeEmbeddings.baseAddress + type * h
                for c in 0..<h { dst[c] = word[c] + pos[c] + tt[c] }
            }
        }
        layerNorm.forward(inPlace: out, rows: batch.tokenCount)
    }
}

/// Mirrors `BertLayer`: self-attention (`attention.self.{query,key,value}`), its output
/// projection with residual and layer norm (`attention.output`), then the feed-forward block
/// (`intermediate.dense`, `output.dense`, `output.LayerNorm`).
struct BertLayer: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let attentionOutput: Linear
    let attentionLayerNorm: LayerNorm
    let intermediate: Linear
    let output: Linear
    let outputLayerNorm: LayerNorm
    let config: BertConfig

    init(_ weights: WeightStore, config: BertConfig) throws {
        let h = config.hiddenSize
        let selfAttention = weights.scoped("attention.self")
        query = try Linear(selfAttention.scoped("query"), in: h, out: h)
        key = try Linear(selfAttention.scoped("key"), in: h, out: h)
        value = try Linear(selfAttention.scoped("value"), in: h, out: h)
        attentionOutput = try Linear(weights.scoped("attention.output.dense"), in: h, out: h)
        attentionLayerNorm = try LayerNorm(
            weights.scoped("attention.output.LayerNorm"), width: h, eps: config.layerNormEps)
        intermediate = try Linear(weights.scoped("intermediate.dense"), in: h, out: config.intermediateSize)
        output = try Linear(weights.scoped("output.dense"), in: config.intermediateSize, out: h)
        outputLayerNorm = try LayerNorm(
            weights.scoped("output.LayerNorm"), width: h, eps: config.layerNormEps)
        self.config = config
    }

    /// Updates `x` (`[tokens, hidden]`) in place.
    func forward(_ x: UnsafeMutablePointer<Float>, sequences: [Range<Int>], rows: Int, scratch: LayerScratch)
    {
        let h = config.hiddenSize
        query.forward(x, rows: rows, into: scratch.q)
        key.forward(x, rows: rows, into: scratch.k)
        value.forward(x, rows: rows, into: scratch.v)
        attentionForward(
            out: scratch.context, q: scratch.q, k: scratch.k, v: scratch.v, ldQKV: h, sequences: sequences,
            heads: config.numAttentionHeads, headDim: config.headDim, scratch: scratch.scores)
        // x = LayerNorm(x + context · Woᵀ + bo)
        attentionOutput.forward(scratch.context, rows: rows, into: scratch.q)
        addInPlace(x, scratch.q, count: rows * h)
        attentionLayerNorm.forward(inPlace: x, rows: rows)
        // x = LayerNorm(x + act(x · W1ᵀ + b1) · W2ᵀ + b2)
        intermediate.forward(x, rows: rows, into: scratch.intermediate)
        config.hiddenAct.apply(scratch.intermediate, count: rows * config.intermediateSize)
        output.forward(scratch.intermediate, rows: rows, into: scratch.q)
        addInPlace(x, scratch.q, count: rows * h)
        outputLayerNorm.forward(inPlace: x, rows: rows)
    }
}

/// Activation scratch for one forward pass, sized for the batch and reused by every layer.
final class LayerScratch {
    private let q_: Scratch
    private let k_: Scratch
    private let v_: Scratch
    private let context_: Scratch
    private let intermediate_: Scratch
    private let scores_: Scratch

    var q: UnsafeMutablePointer<Float> { q_.pointer }
    var k: UnsafeMutablePointer<Float> { k_.pointer }
    var v: UnsafeMutablePointer<Float> { v_.pointer }
    var context: UnsafeMutablePointer<Float> { context_.pointer }
    var intermediate: UnsafeMutablePointer<Float> { intermediate_.pointer }
    var scores: UnsafeMutablePointer<Float> { scores_.pointer }

    init(rows: Int, maxLength: Int, config: BertConfig) {
        let h = config.hiddenSize
        q_ = Scratch(rows * h)
        k_ = Scratch(rows * h)
        v_ = Scratch(rows * h)
        context_ = Scratch(rows * h)
        intermediate_ = Scratch(rows * config.intermediateSize)
        scores_ = Scratch(maxLength * maxLength)
    }
}

/// The encoder's output: one `hidden`-wide row per token of the batch.
public struct HiddenStates: Sendable {
    /// Row-major `[tokens, hidden]`.
    public var values: [Float]
    /// Row width.
    public let hidden: Int
    /// Each sequence's rows, as in the batch.
    public let sequences: [Range<Int>]

    /// The `hidden` values of one token row.
    public func row(_ index: Int) -> ArraySlice<Float> { values[(index * hidden)..<((index + 1) * hidden)] }
}

/// The BERT encoder. Mirrors `transformers.BertModel` without its pooler.
public struct BertModel: Sendable {
    /// The model's configuration.
    public let config: BertConfig
    let embeddings: BertEmbeddings
    let layers: [BertLayer]

    /// Loads the encoder from `weights`, with or without the `bert.` prefix.
    public init(weights: WeightStore, config: BertConfig) throws {
        let base = weights.baseScope("bert", probe: "embeddings.word_embeddings.weight")
        embeddings = try BertEmbeddings(base.scoped("embeddings"), config: config)
        layers = try (0..<config.numHiddenLayers).map {
            try BertLayer(base.scoped("encoder.layer.\($0)"), config: config)
        }
        self.config = config
    }

    /// Runs the encoder over a ragged batch: `[tokens, hidden]` for every token.
    public func forward(_ batch: RaggedBatch) throws -> HiddenStates {
        let rows = batch.tokenCount
        let h = config.hiddenSize
        var values = [Float](repeating: 0, count: rows * h)
        guard rows > 0 else { return HiddenStates(values: values, hidden: h, sequences: batch.sequences) }
        let scratch = LayerScratch(rows: rows, maxLength: batch.maxLength, config: config)
        try values.withUnsafeMutableBufferPointer { buffer in
            let x = buffer.baseAddress!
            try embeddings.forward(batch, into: x)
            for layer in layers { layer.forward(x, sequences: batch.sequences, rows: rows, scratch: scratch) }
        }
        return HiddenStates(values: values, hidden: h, sequences: batch.sequences)
    }
}
