import Foundation
import SluiceJSON
import SluiceModels

extension PipelineTask {
    /// SPLADE: one weight per vocabulary entry, from the masked-LM head's logits.
    public static let sparseEmbeddings = PipelineTask("sparse-embeddings", aliases: ["splade"])
}

/// sentence-transformers' `SparseEncoder` with `MLMTransformer` and `SpladePooling` (and TEI's
/// `/embed_sparse`): the masked-LM head's logits at every token, then for each vocabulary entry
/// `log(1 + ReLU(logit))`, pooled over the tokens (special tokens included) by their maximum, or
/// their sum where the folder's `SpladePooling` says `"pooling_strategy": "sum"`. The answer
/// lists the entries that are not zero, in vocabulary order: `[{"index", "value"}, ...]`.
///
/// A masked-LM checkpoint answers this beside fill-mask; a `SparseEncoder` folder implies it.
struct SparseEmbeddingsPipeline: EveryTokenTask {
    static let definition = TaskDefinition(
        task: .sparseEmbeddings, parameters: RequestTruncation.parameterNames, head: .maskedLM)
    let context: PipelineContext
    /// Whether tokens are pooled by their sum rather than their maximum.
    let sums: Bool

    init(context: PipelineContext) throws {
        var context = context
        var sums = false
        var limit = context.tokenizer.modelMaxLength ?? context.maxInputTokens
        if case .array(let modules) = context.folder.jsonObject("modules.json") {
            for module in modules {
                let type = module["type"]?.stringValue ?? ""
                let path = module["path"]?.stringValue ?? ""
                if type.hasSuffix("SpladePooling") {
                    let settings = context.folder.jsonObject(moduleFile(path, "config.json"))
                    switch settings["pooling_strategy"]?.stringValue ?? "max" {
                    case "max": sums = false
                    case "sum": sums = true
                    case let other:
                        throw PipelineError.load(
                            "SpladePooling's pooling_strategy \"\(other)\" is not supported")
                    }
                    if let activation = settings["activation_function"]?.stringValue, activation != "relu" {
                        throw PipelineError.load(
                            "SpladePooling's activation_function \"\(activation)\" is not supported")
                    }
                } else if type.hasSuffix("MLMTransformer") {
                    let settings = context.folder.jsonObject(moduleFile(path, "sentence_bert_config.json"))
                    if case .int(let length) = settings["max_seq_length"] { limit = length }
                }
            }
        }
        self.sums = sums
        // sentence-transformers cuts every input at the limit.
        limit = min(limit, context.maxInputTokens)
        context.tokenizer = context.tokenizer.truncating(to: limit)
        context.maxInputTokens = limit
        self.context = context
    }

    /// A sentence-transformers `SparseEncoder` folder (`SpladePooling` in `modules.json`).
    static func isImplied(by folder: ModelFolder, config: EncoderConfig) -> Bool {
        guard case .array(let modules) = folder.jsonObject("modules.json") else { return false }
        return modules.contains { $0["type"]?.stringValue?.hasSuffix("SpladePooling") == true }
    }

    /// The pooled weights that are not zero, by vocabulary id.
    func finish(_ request: Void, _ output: ModelOutput) -> JSONValue {
        let vocabulary = output.width
        let logits = output.rows[0]
        let tokens = logits.count / vocabulary
        var pooled = [Float](repeating: 0, count: vocabulary)
        logits.withUnsafeBufferPointer { all in
            for t in 0..<tokens {
                let row = all[(t * vocabulary)..<((t + 1) * vocabulary)]
                for (j, logit) in zip(0..., row) {
                    let weight = log1pf(max(logit, 0))
                    pooled[j] = sums ? pooled[j] + weight : max(pooled[j], weight)
                }
            }
        }
        return .array(
            pooled.indices.filter { pooled[$0] != 0 }.map {
                .object([("index", .int($0)), ("value", .number(Double(pooled[$0])))])
            })
    }
}
