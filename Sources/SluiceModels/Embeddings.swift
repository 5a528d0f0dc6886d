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
    let wordEmbeddings: EmbeddingTable
    let positionEmbeddings: EmbeddingTable
    /// Absent for DistilBERT and MPNet, which ignore type ids.
    let tokenTypeEmbeddings: EmbeddingTable?
    let layerNorm: LayerNorm
    /// Positions are `positionPaddingIdx + 1 + i` (RoBERTa, MPNet) or `i` (nil).
    let positionPaddingIdx: Int?
    let maxSequenceLength: Int

    init(_ weights: WeightStore, config: EncoderConfig) throws {
        let e = config.embeddingSize
        positionPaddingIdx = config.positionPaddingIdx
        maxSequenceLength = config.maxSequenceLength
        wordEmbeddings = try EmbeddingTable(
            weights, "word_embeddings.weight", rows: config.vocabSize, width: e)
        positionEmbeddings = try EmbeddingTable(
            weights, "position_embeddings.weight", rows: config.maxPositionEmbeddings, width: e)
        tokenTypeEmbeddings =
            config.family.hasTokenTypes
            ? try EmbeddingTable(
                weights, "token_type_embeddings.weight", rows: config.typeVocabSize, width: e)
            : nil
        layerNorm = try LayerNorm(weights.scoped("LayerNorm"), width: e, eps: config.layerNormEps)
    }

    var width: Int { wordEmbeddings.width }

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
        let maxPositions = positionEmbeddings.rows
        for sequence in batch.sequences {
            let positions = positionIds(batch.ids[sequence])
            if let last = positions.max(), last >= maxPositions {
                throw ModelError(
                    "sequence of \(sequence.count) tokens is longer than the model's \(maxSequenceLength) positions (max_position_embeddings \(maxPositions))"
                )
            }
            for (row, position) in zip(sequence, positions) {
                let dst = out + row * e
                let word = try wordEmbeddings.row(ofToken: batch.ids[row])
                let pos = positionEmbeddings[position]
                if let tokenTypeEmbeddings {
                    let tt = try tokenTypeEmbeddings.row(ofType: batch.typeIds[row])
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
    let table: EmbeddingTable
    let norm: (any ResidualNorm)?

    /// Loads `[vocabSize, width]` rows from `weights`.
    init(_ weights: WeightStore, vocabSize: Int, width: Int, norm: (any ResidualNorm)?) throws {
        table = try EmbeddingTable(weights, "weight", rows: vocabSize, width: width)
        self.norm = norm
    }

    var width: Int { table.width }

    func forward(_ batch: RaggedBatch, into out: UnsafeMutablePointer<Float>) throws {
        for (row, id) in batch.ids.enumerated() {
            (out + row * width).update(from: try table.row(ofToken: id), count: width)
        }
        norm?.forward(inPlace: out, adding: nil, rows: batch.tokenCount)
    }
}

/// One embedding matrix, `[rows, width]` as the checkpoint stores it: a row per token id,
/// position or token type. The row count travels with the weights, so an id is checked against
/// the table it reads, with one message wherever it is read.
struct EmbeddingTable: Sendable {
    let weight: WeightBuffer
    /// The vocabulary, the positions or the token types.
    let rows: Int
    let width: Int

    /// Loads `name`, `[rows, width]`, from `weights`.
    init(_ weights: WeightStore, _ name: String, rows: Int, width: Int) throws {
        weight = try weights.tensor(name, shape: [rows, width])
        self.rows = rows
        self.width = width
    }

    /// The row of `index`, which the caller knows is one of the table's.
    subscript(index: Int) -> UnsafePointer<Float> { weight.baseAddress + index * width }

    /// The row of token `id`, refused when it is outside the vocabulary.
    func row(ofToken id: Int32) throws -> UnsafePointer<Float> {
        guard id >= 0, Int(id) < rows else {
            throw ModelError("token id \(id) is outside the vocabulary of \(rows)")
        }
        return self[Int(id)]
    }

    /// The row of token type `type`, refused when it is outside `type_vocab_size`.
    func row(ofType type: Int32) throws -> UnsafePointer<Float> {
        guard type >= 0, Int(type) < rows else {
            throw ModelError("token type id \(type) is outside type_vocab_size \(rows)")
        }
        return self[Int(type)]
    }
}
