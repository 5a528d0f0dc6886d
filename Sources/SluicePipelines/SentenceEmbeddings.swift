import Foundation
import SluiceJSON
import SluiceModels

extension PipelineTask {
    /// One vector per text, as `sentence-transformers` computes it (pooling, dense, normalisation).
    public static let sentenceEmbeddings = PipelineTask(
        "sentence-embeddings", aliases: ["sentence-similarity", "sentence-embedding"])
}

/// One sentence-embedding request: embed one text, or compare a source sentence with others.
struct SentenceEmbeddingRequest: Sendable {
    /// Tokens at the start of each sequence that pooling leaves out.
    var excluded: Int
    /// `{"source_sentence", "sentences"}`: similarities of the first sequence with the rest.
    var similarity: Bool
    /// Whether the model computed only the rows pooling reads (CLS, last token), not every row.
    var pooledRowsOnly: Bool
    /// `normalize`: nil keeps the folder's modules as they are; true replaces its Normalize
    /// module by a normalisation after `dimensions`, false leaves the vector unnormalised (TEI).
    var normalize: Bool?
    /// `dimensions`: the first this many values (Matryoshka truncation, `truncate_dim`).
    var dimensions: Int?
}

/// sentence-transformers' `SentenceTransformer.encode` (and `similarity`) on a folder's modules:
/// the encoder, then pooling, Dense and Normalize.
struct SentenceEmbeddingsPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .sentenceEmbeddings,
        parameters: Set(["prompt_name", "prompt", "normalize", "dimensions"]).union(
            RequestTruncation.parameterNames),
        head: nil)
    let context: PipelineContext
    let sentence: SentenceTransformerModules

    init(context: PipelineContext) throws {
        var context = context
        sentence = try SentenceTransformerModules(
            folder: context.folder, config: context.config, runtime: context.runtime)
        // sentence-transformers 3+ keeps the limit as the tokenizer's model_max_length.
        let limit = min(
            sentence.maxSeqLength ?? context.tokenizer.modelMaxLength ?? context.maxInputTokens,
            context.maxInputTokens)
        context.tokenizer = context.tokenizer.truncating(to: limit)
        context.maxInputTokens = limit
        self.context = context
    }

    /// A sentence-transformers folder (`modules.json`).
    static func isImplied(by folder: ModelFolder, config: EncoderConfig) -> Bool {
        folder.has("modules.json")
    }

    /// A text (with the chosen prompt before it), a list of token ids (used as they are, no
    /// prompt), or `{"source_sentence", "sentences"}`.
    func prepare(
        _ input: JSONValue, parameters p: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<SentenceEmbeddingRequest> {
        var prompt = try p.string("prompt")
        if prompt == nil {
            if let name = try p.string("prompt_name") {
                guard let chosen = sentence.prompts[name] else {
                    throw PipelineError.validation(
                        "Prompt name '\(name)' not found in the configured prompts dictionary with keys \(sentence.prompts.keys.sorted())."
                    )
                }
                prompt = chosen
            } else if let name = sentence.defaultPromptName {
                prompt = sentence.prompts[name]
            }
        }
        let truncation = try p.requestTruncation()
        let normalize = try p.bool("normalize")
        let dimensions = try p.positiveInt("dimensions")
        if let dimensions, dimensions > sentence.width {
            throw PipelineError.validation(
                "dimensions is \(dimensions); this model's embeddings have \(sentence.width) values")
        }
        if let ids = input.tokenIds {
            let sequence = try context.sequence(ids: ids, truncation: truncation)
            let rows = sentence.pooledRows(length: sequence.ids.count, excluded: 0)
            return TaskInput(
                sequences: [sequence], rows: rows.map { .positions([$0]) } ?? .every,
                request: SentenceEmbeddingRequest(
                    excluded: 0, similarity: false, pooledRowsOnly: rows != nil, normalize: normalize,
                    dimensions: dimensions))
        }
        let texts: [String]
        let similarity: Bool
        switch input {
        case .string(let text):
            texts = [text]
            similarity = false
        case .object:
            let shape = #"{"source_sentence": ..., "sentences": [...]}"#
            texts =
                [try input.stringField("source_sentence", in: shape)]
                + (try input.stringListField("sentences", in: shape))
            similarity = true
        default:
            throw PipelineError.validation(
                #"sentence embeddings take a string, a list of token ids, or {"source_sentence": ..., "sentences": [...]} for similarities"#
            )
        }
        var excluded = 0
        let prefix = prompt ?? ""
        if !prefix.isEmpty && !sentence.includePrompt {
            // `Transformer._get_prompt_length`: the prompt's tokens less a trailing special token.
            let encoding = try self.encoding(sentence.lowercase ? prefix.lowercased() : prefix)
            excluded = encoding.ids.count - (encoding.specialTokensMask.last == 1 ? 1 : 0)
        }
        let sequences = try texts.map { text -> TokenSequence in
            guard !text.isEmpty || !prefix.isEmpty else {
                throw PipelineError.validation("the input text is empty")
            }
            let full = prefix + text
            return TokenSequence(
                encoding: try context.encoding(
                    sentence.lowercase ? full.lowercased() : full, truncation: truncation))
        }
        // Pooling that reads single rows (CLS, last token) has the model keep only those.
        let picked = sequences.map { sentence.pooledRows(length: $0.ids.count, excluded: excluded) }
        let pooledRowsOnly = picked.allSatisfy { $0 != nil }
        return TaskInput(
            sequences: sequences, rows: pooledRowsOnly ? .positions(picked.map { $0! }) : .every,
            request: SentenceEmbeddingRequest(
                excluded: excluded, similarity: similarity, pooledRowsOnly: pooledRowsOnly,
                normalize: normalize,
                dimensions: dimensions))
    }

    /// The answer from each sequence's token vectors, or from only the rows its pooling reads
    /// (see `SentenceTransformerModules.pooledRows`).
    func finish(_ request: SentenceEmbeddingRequest, _ output: ModelOutput) throws -> JSONValue {
        let modulesNormalize = request.normalize == nil
        let embeddings = output.rows.map { rows -> [Float] in
            var vector =
                request.pooledRowsOnly
                ? sentence.embed(pooledRows: rows, normalizing: modulesNormalize)
                : sentence.embed(
                    rows, hidden: config.hiddenSize, excluded: request.excluded, normalizing: modulesNormalize
                )
            if let dimensions = request.dimensions { vector.removeLast(vector.count - dimensions) }
            return request.normalize == true ? l2Normalized(vector) : vector
        }
        if request.similarity {
            return .array(
                embeddings.dropFirst().map { .number(Double(sentence.similarity(embeddings[0], $0))) })
        }
        return .array(embeddings[0].map { .number(Double($0)) })
    }
}
