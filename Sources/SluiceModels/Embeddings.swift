import SluiceTensors

/// The embeddings kind of an encoder: token ids (and type ids) to `[tokens, width]` rows,
/// positions included where the family adds them there. `Embeddings` is the absolute-position
/// kind every family here uses; a family with rotary positions (applied in attention) would
/// bring a kind without position rows.
protocol TokenEmbedding: Sendable {
    /// Values per row.
    var width: Int { get }
    /// Writes `[batch.tokenCount, width]` rows into `out`.
    func forward(_ batch: RaggedBatch, into out: UnsafeMutablePointer<Float>) throws
}

/// How a family numbers token positions, as `EncoderConfig.positionPaddingIdx` reads it.
enum PositionScheme: Sendable {
    /// `0, 1, 2, …` (BERT).
    case fromZero
    /// After `pad_token_id` (1 when the file has none), as RoBERTa's
    /// `create_position_ids_from_input_ids` counts them.
    case afterPadToken
    /// After a `padding_idx` the class fixes whatever the file says (MPNet's 1).
    case afterPadding(Int)
}

/// Token embeddings: word + position (+ token type) embeddings, then layer norm.
///
/// Mirrors `BertEmbeddings`, `RobertaEmbeddings` (also XLM-R's and CamemBERT's),
/// `ElectraEmbeddings` (width `embedding_size`), DistilBERT's `Embeddings` and
/// `MPNetEmbeddings` (no token types). The names under `embeddings.` are the same in all.
struct Embeddings: TokenEmbedding {
    let wordEmbeddings: WeightBuffer
    let positionEmbeddings: WeightBuffer
    /// Absent for DistilBERT and MPNet, which ignore type ids.
    let tokenTypeEmbeddings: WeightBuffer?
    let layerNorm: LayerNorm
    /// Positions are `positionPaddingIdx + 1 + i` (RoBERTa, MPNet) or `i` (nil).
    let positionPaddingIdx: Int?
    let width: Int
    let vocabSize: Int
    let maxPositions: Int
    let typeVocabSize: Int
    let maxSequenceLength: Int

    init(_ weights: WeightStore, config: EncoderConfig) throws {
        let e = config.embeddingSize
        width = e
        vocabSize = config.vocabSize
        maxPositions = config.maxPositionEmbeddings
        typeVocabSize = config.typeVocabSize
        positionPaddingIdx = config.positionPaddingIdx
        maxSequenceLength = config.maxSequenceLength
        wordEmbeddings = try weights.tensor("word_embeddings.weight", shape: [config.vocabSize, e])
        positionEmbeddings = try weights.tensor(
            "position_embeddings.weight", shape: [config.maxPositionEmbeddings, e])
        tokenTypeEmbeddings =
            config.family.hasTokenTypes
            ? try weights.tensor("token_type_embeddings.weight", shape: [config.typeVocabSize, e]) : nil
        layerNorm = try LayerNorm(weights.scoped("LayerNorm"), width: e, eps: config.layerNormEps)
    }

    /// The position id of every token of `ids`, as the reference computes it without padding.
    ///
    /// RoBERTa-style: `cumsum(id != pad) · (id != pad) + pad`, so a padding id inside a
    /// sequence keeps position `pad` and the tokens after it do not advance.
    func positionIds(_ ids: ArraySlice<Int32>) -> [Int] {
        guard let pad = positionPaddingIdx else { return Array(0..<ids.count) }
        var seen = 0
        return ids.map { id in
            guard Int(id) != pad else { return pad }
            seen += 1
            return pad + seen
        }
    }

    /// Writes `[tokens, embeddingSize]` rows for the batch into `out`.
    func forward(_ batch: RaggedBatch, into out: UnsafeMutablePointer<Float>) throws {
        let e = width
        for sequence in batch.sequences {
            let positions = positionIds(batch.ids[sequence])
            if let last = positions.max(), last >= maxPositions {
                throw ModelError(
                    "sequence of \(sequence.count) tokens is longer than the model's \(maxSequenceLength) positions (max_position_embeddings \(maxPositions))"
                )
            }
            for (row, position) in zip(sequence, positions) {
                let id = Int(batch.ids[row])
                guard id >= 0, id < vocabSize else {
                    throw ModelError("token id \(id) is outside the vocabulary of \(vocabSize)")
                }
                let dst = out + row * e
                let word = wordEmbeddings.baseAddress + id * e
                let pos = positionEmbeddings.baseAddress + position * e
                if let tokenTypeEmbeddings {
                    let type = Int(batch.typeIds[row])
                    guard type >= 0, type < typeVocabSize else {
                        throw ModelError("token type id \(type) is outside type_vocab_size \(typeVocabSize)")
                    }
                    let tt = tokenTypeEmbeddings.baseAddress + type * e
                    // The reference's order: (word + token type) + position.
                    for c in 0..<e { dst[c] = word[c] + tt[c] + pos[c] }
                } else {
                    for c in 0..<e { dst[c] = word[c] + pos[c] }
                }
            }
        }
        layerNorm.forward(inPlace: out, rows: batch.tokenCount)
    }
}

/// Token embeddings alone, then a norm: positions enter later, in attention (rotary). Mirrors
/// `ModernBertEmbeddings` (`tok_embeddings`, `norm`).
struct WordEmbeddings: TokenEmbedding {
    let table: WeightBuffer
    let norm: (any ResidualNorm)?
    let width: Int
    let vocabSize: Int

    /// Loads `[vocabSize, width]` rows from `weights`.
    init(_ weights: WeightStore, vocabSize: Int, width: Int, norm: (any ResidualNorm)?) throws {
        table = try weights.tensor("weight", shape: [vocabSize, width])
        self.norm = norm
        self.width = width
        self.vocabSize = vocabSize
    }

    func forward(_ batch: RaggedBatch, into out: UnsafeMutablePointer<Float>) throws {
        for (row, id) in batch.ids.enumerated() {
            guard id >= 0, Int(id) < vocabSize else {
                throw ModelError("token id \(id) is outside the vocabulary of \(vocabSize)")
            }
            (out + row * width).update(from: table.baseAddress + Int(id) * width, count: width)
        }
        norm?.forward(inPlace: out, adding: nil, rows: batch.tokenCount)
    }
}
