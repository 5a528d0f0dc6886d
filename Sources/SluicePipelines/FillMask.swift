import Foundation
import SluiceJSON
import SluiceModels
import SluiceTensors
import SluiceTokenizers

extension PipelineTask {
    /// Predict the tokens at `[MASK]` positions.
    public static let fillMask = PipelineTask("fill-mask")
}

/// `fill-mask` parameters, as `FillMaskPipeline._sanitize_parameters` takes them.
struct FillMaskOptions: Sendable {
    /// How many predictions per mask (default 5; capped by the number of targets).
    var topK = 5
    /// Restrict predictions to these token ids (deduplicated), if given.
    var targetIds: [Int]?

    init(_ parameters: TaskParameters, tokenizer: PretrainedTokenizer, vocabSize: Int) throws {
        if let value = parameters.values?["top_k"], value != .null {
            guard case .int(let k) = value, k >= 1 else {
                throw PipelineError.validation("top_k must be a positive integer")
            }
            guard k <= vocabSize else {
                throw PipelineError.validation("top_k \(k) is larger than the vocabulary (\(vocabSize))")
            }
            topK = k
        }
        if let value = parameters.values?["targets"], value != .null {
            let targets: [String]
            switch value {
            case .string(let s): targets = [s]
            case .array(let items):
                targets = try items.map {
                    guard case .string(let s) = $0 else {
                        throw PipelineError.validation("targets must be strings")
                    }
                    return s
                }
            default: throw PipelineError.validation("targets must be a string or a list of strings")
            }
            let ids = try Self.targetIds(targets, tokenizer: tokenizer)
            // A tokenizer's added tokens can lie past the model's vocabulary, which has no
            // score for them (transformers fails indexing the probabilities there).
            if let outside = ids.first(where: { $0 >= vocabSize }) {
                throw PipelineError.validation(
                    "target token id \(outside) is outside the model's vocabulary of \(vocabSize)"
                )
            }
            targetIds = ids
        }
    }

    /// `FillMaskPipeline.get_target_ids`: a target that is a vocabulary entry is used as is;
    /// otherwise its first token (without special tokens) stands in for it, and one that
    /// tokenizes to nothing is ignored.
    static func targetIds(_ targets: [String], tokenizer: PretrainedTokenizer) throws -> [Int] {
        var ids: [Int] = []
        for target in targets {
            if let id = tokenizer.tokenizer.tokenToId(target) {
                ids.append(id)
                continue
            }
            let encoding = try? tokenizer.tokenizer.encode(target, addSpecialTokens: false)
            if let first = encoding?.ids.first { ids.append(first) }
        }
        var seen = Set<Int>()
        ids = ids.filter { seen.insert($0).inserted }
        guard !ids.isEmpty else {
            throw PipelineError.validation("At least one target must be provided when passed.")
        }
        return ids
    }
}

/// One `fill-mask` input: its tokens, where its masks are, and the parameters.
struct FillMaskRequest: Sendable {
    var ids: [Int]
    var maskPositions: [Int]
    var options: FillMaskOptions
}

/// transformers' `FillMaskPipeline`: the masked-LM head at the mask positions alone, softmax,
/// top-k candidates per mask with the input's text filled in.
struct FillMaskPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .fillMask, parameters: ["top_k", "targets"], head: .maskedLM, architectureSuffix: "ForMaskedLM")
    let context: PipelineContext

    init(context: PipelineContext) throws {
        guard context.tokenizer.maskTokenId != nil else {
            throw PipelineError.load("the tokenizer in \(context.folder.url.path) defines no mask_token")
        }
        self.context = context
    }

    func prepare(
        _ input: JSONValue, parameters: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<FillMaskRequest> {
        let text = try input.requireText(task)
        let options = try FillMaskOptions(parameters, tokenizer: tokenizer, vocabSize: config.vocabSize)
        let sequence = try encode(text)
        let positions = sequence.ids.indices.filter { sequence.ids[$0] == tokenizer.maskTokenId }
        if positions.isEmpty {
            throw PipelineError.validation("No mask_token (\(tokenizer.maskToken ?? "")) found on the input")
        }
        return TaskInput(
            sequences: [sequence], rows: .positions([positions]),
            request: FillMaskRequest(ids: sequence.ids, maskPositions: positions, options: options))
    }

    /// `FillMaskPipeline.postprocess`: softmax over the vocabulary (or the targets), top-k,
    /// and for each candidate the token, its text and the input with the mask filled in.
    func finish(_ request: FillMaskRequest, _ output: ModelOutput) -> JSONValue {
        let positions = request.maskPositions
        let v = output.width
        let singleMask = positions.count == 1
        var perMask: [JSONValue] = []
        var probabilities = output.rows[0]
        probabilities.withUnsafeMutableBufferPointer {
            softmaxRowsInPlace($0.baseAddress!, rows: positions.count, cols: v)
        }
        for (m, position) in positions.enumerated() {
            let best = probabilities.withUnsafeBufferPointer {
                topK(
                    UnsafeBufferPointer(rebasing: $0[(m * v)..<((m + 1) * v)]),
                    among: request.options.targetIds,
                    request.options.topK)
            }
            var predictions: [JSONValue] = []
            for (id, score) in best {
                var tokens = request.ids
                tokens[position] = id
                let sequenceIds = tokens.filter { $0 != tokenizer.padTokenId }
                predictions.append(
                    .object([
                        ("score", .number(Double(score))),
                        ("token", .int(id)),
                        ("token_str", .string(tokenizer.decode([id], skipSpecialTokens: false))),
                        ("sequence", .string(tokenizer.decode(sequenceIds, skipSpecialTokens: singleMask))),
                    ]))
            }
            perMask.append(.array(predictions))
        }
        return singleMask ? perMask[0] : .array(perMask)
    }

    /// The `k` highest scores of `row` (at most as many as there are candidates), highest
    /// first, among the ids `among` (in that order) or every id (in order); ties keep the
    /// earlier candidate first.
    private func topK(
        _ row: UnsafeBufferPointer<Float>, among ids: [Int]?, _ k: Int
    ) -> [(id: Int, score: Float)] {
        var best: [(id: Int, score: Float)] = []
        best.reserveCapacity(k + 1)
        func consider(_ id: Int) {
            let score = row[id]
            if best.count == k, !(score > best[k - 1].score) { return }
            var index = best.count
            while index > 0 && score > best[index - 1].score { index -= 1 }
            best.insert((id, score), at: index)
            if best.count > k { best.removeLast() }
        }
        if let ids {
            for id in ids { consider(id) }
            return best
        }
        // Every id. Once k are in, the ids whose scores cannot beat the k-th best are passed
        // over by a vector scan (the common case: almost all of the vocabulary).
        var id = 0
        while id < row.count {
            if best.count == k {
                id = firstIndex(in: row, from: id, above: best[k - 1].score)
                if id == row.count { break }
            }
            consider(id)
            id += 1
        }
        return best
    }
}
