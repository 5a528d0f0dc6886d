import Foundation
import SluiceJSON
import SluiceTensors
import SluiceTokenizers

/// `fill-mask` parameters, as `FillMaskPipeline._sanitize_parameters` takes them.
struct FillMaskOptions: Sendable {
    /// How many predictions per mask (default 5; capped by the number of targets).
    var topK = 5
    /// Restrict predictions to these token ids (deduplicated), if given.
    var targetIds: [Int]?

    init(_ parameters: JSONValue?, pipeline: Pipeline) throws {
        try pipeline.checkParameters(parameters, allowed: ["top_k", "targets"])
        if let value = parameters?["top_k"], value != .null {
            guard case .int(let k) = value, k >= 1 else {
                throw PipelineError.validation("top_k must be a positive integer")
            }
            guard k <= pipeline.config.vocabSize else {
                throw PipelineError.validation(
                    "top_k \(k) is larger than the vocabulary (\(pipeline.config.vocabSize))")
            }
            topK = k
        }
        if let value = parameters?["targets"], value != .null {
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
            let ids = try Self.targetIds(targets, tokenizer: pipeline.tokenizer)
            // A tokenizer's added tokens can lie past the model's vocabulary, which has no
            // score for them (transformers fails indexing the probabilities there).
            if let outside = ids.first(where: { $0 >= pipeline.config.vocabSize }) {
                throw PipelineError.validation(
                    "target token id \(outside) is outside the model's vocabulary of \(pipeline.config.vocabSize)"
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

extension Pipeline {
    /// `FillMaskPipeline.postprocess`: softmax over the vocabulary (or the targets), top-k,
    /// and for each candidate the token, its text and the input with the mask filled in.
    func fillMaskOutput(_ input: PreparedInput, logits: [Float], options: FillMaskOptions) -> JSONValue {
        let positions = maskPositions(input.sequences[0])
        let v = logits.count / max(positions.count, 1)
        let singleMask = positions.count == 1
        var perMask: [JSONValue] = []
        var probabilities = logits
        probabilities.withUnsafeMutableBufferPointer {
            softmaxRowsInPlace($0.baseAddress!, rows: positions.count, cols: v)
        }
        for (m, position) in positions.enumerated() {
            let best = probabilities.withUnsafeBufferPointer {
                topK(
                    UnsafeBufferPointer(rebasing: $0[(m * v)..<((m + 1) * v)]), among: options.targetIds,
                    options.topK)
            }
            var predictions: [JSONValue] = []
            for (id, score) in best {
                var tokens = input.sequences[0].ids
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
