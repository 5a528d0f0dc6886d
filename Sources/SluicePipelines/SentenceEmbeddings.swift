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
}

/// sentence-transformers' `SentenceTransformer.encode` (and `similarity`) on a folder's modules:
/// the encoder, then pooling, Dense and Normalize.
struct SentenceEmbeddingsPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .sentenceEmbeddings, parameters: ["prompt_name", "prompt"], head: nil)
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

    /// A text (with the chosen prompt before it), or `{"source_sentence", "sentences"}`.
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
                #"sentence embeddings take a string, or {"source_sentence": ..., "sentences": [...]} for similarities"#
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
            return try encode(sentence.lowercase ? full.lowercased() : full)
        }
        // Pooling that reads single rows (CLS, last token) has the model keep only those.
        let picked = sequences.map { sentence.pooledRows(length: $0.ids.count, excluded: excluded) }
        let pooledRowsOnly = picked.allSatisfy { $0 != nil }
        return TaskInput(
            sequences: sequences, rows: pooledRowsOnly ? .positions(picked.map { $0! }) : .every,
            request: SentenceEmbeddingRequest(
                excluded: excluded, similarity: similarity, pooledRowsOnly: pooledRowsOnly))
    }

    /// The answer from each sequence's token vectors, or from only the rows its pooling reads
    /// (see `SentenceTransformerModules.pooledRows`).
    func finish(_ request: SentenceEmbeddingRequest, _ output: ModelOutput) throws -> JSONValue {
        let embeddings = output.rows.map {
            request.pooledRowsOnly
                ? sentence.embed(pooledRows: $0)
                : sentence.embed($0, hidden: config.hiddenSize, excluded: request.excluded)
        }
        if request.similarity {
            return .array(
                embeddings.dropFirst().map { .number(Double(sentence.similarity(embeddings[0], $0))) })
        }
        return .array(embeddings[0].map { .number(Double($0)) })
    }
}
