import Foundation
import SluiceTokenizers

/// `AggregationStrategy` of the token-classification pipeline.
enum AggregationStrategy: String, Sendable {
    case none
    case simple
    case first
    case average
    case max
}

/// One `token-classification` request: the text, its tokens and the post-processing settings.
struct TokenClassificationRequest: Sendable {
    var text: String
    var ids: [Int]
    var tokens: [String]
    var offsets: [TokenOffset]
    var specialTokensMask: [Int]
    var aggregation: AggregationStrategy
    var ignoreLabels: [String]
}

/// `gather_pre_entities`' record of one token.
private struct PreEntity {
    var word: String
    var scores: [Float]
    var start: Int
    var end: Int
    var index: Int
    var isSubword: Bool
}

/// A token or word with its label, before grouping.
private struct LabelledEntity {
    var entity: String
    var score: Float
    var index: Int?
    var word: String
    var start: Int
    var end: Int
}

extension Pipeline {
    /// `TokenClassificationPipeline.preprocess`: truncated at `model_max_length` when the
    /// tokenizer has one.
    func prepareTokenClassification(_ input: JSONValue, parameters: JSONValue?) throws -> PreparedInput {
        try checkParameters(parameters, allowed: ["aggregation_strategy", "ignore_labels"])
        let p = Parameters(parameters)
        var aggregation = AggregationStrategy.none
        if let name = try p.string("aggregation_strategy") {
            guard let chosen = AggregationStrategy(rawValue: name.lowercased()) else {
                throw PipelineError.validation(
                    "aggregation_strategy must be one of none, simple, first, average, max (got \"\(name)\")")
            }
            aggregation = chosen
        }
        let text = try input.requireText(task)
        var tokenizer = self.tokenizer.tokenizer
        if let limit = self.tokenizer.modelMaxLength {
            tokenizer.truncation = TruncationParameters(maxLength: limit)
        }
        let encoding = try self.encoding(text, with: tokenizer)
        let request = TokenClassificationRequest(
            text: text, ids: encoding.ids, tokens: encoding.tokens, offsets: encoding.offsets,
            specialTokensMask: encoding.specialTokensMask, aggregation: aggregation,
            ignoreLabels: try p.stringList("ignore_labels") ?? ["O"])
        return PreparedInput(
            sequences: [TokenSequence(encoding: encoding)], options: .tokenClassification(request))
    }

    /// `TokenClassificationPipeline.postprocess` for one chunk: softmax per token, pre-entities,
    /// aggregation, then the `ignore_labels` filter.
    func tokenClassificationOutput(_ request: TokenClassificationRequest, logits: [Float]) -> JSONValue {
        let width = labels.count
        let sentence = Array(request.text.unicodeScalars)
        var pre: [PreEntity] = []
        for index in request.ids.indices where request.specialTokensMask[index] == 0 {
            let scores = softmaxRow(logits[(index * width)..<((index + 1) * width)])
            let start = request.offsets[index].start
            let end = request.offsets[index].end
            let wordRef = String(String.UnicodeScalarView(sentence[start..<end]))
            var word = request.tokens[index]
            var isSubword: Bool
            if tokenizer.continuingSubwordPrefix != nil {
                isSubword = word.unicodeScalars.count != wordRef.unicodeScalars.count
            } else {
                // The reference's fallback heuristic for tokenizers without word pieces.
                isSubword = start > 0 && !sentence[(start - 1)..<min(start + 1, sentence.count)].contains(" ")
            }
            if request.ids[index] == tokenizer.unkTokenId {
                word = wordRef
                isSubword = false
            }
            pre.append(
                PreEntity(
                    word: word, scores: scores, start: start, end: end, index: index, isSubword: isSubword))
        }
        let entities: [JSONValue]
        switch request.aggregation {
        case .none:
            entities = pre.map { token in
                let best = argmax(token.scores)
                return .object([
                    ("entity", .string(labels[best])), ("score", .number(Double(token.scores[best]))),
                    ("index", .int(token.index)), ("word", .string(token.word)), ("start", .int(token.start)),
                    ("end", .int(token.end)),
                ])
            }.filter { !request.ignoreLabels.contains($0["entity"].flatMap(\.stringValue) ?? "") }
        case .simple:
            let tokens = pre.map { token -> LabelledEntity in
                let best = argmax(token.scores)
                return LabelledEntity(
                    entity: labels[best], score: token.scores[best], index: token.index, word: token.word,
                    start: token.start, end: token.end)
            }
            entities = groupEntities(tokens, ignoring: request.ignoreLabels)
        case .first, .average, .max:
            var words: [LabelledEntity] = []
            var group: [PreEntity] = []
            for token in pre {
                if !group.isEmpty && !token.isSubword {
                    words.append(aggregateWord(group, request.aggregation))
                    group = []
                }
                group.append(token)
            }
            if !group.isEmpty { words.append(aggregateWord(group, request.aggregation)) }
            entities = groupEntities(words, ignoring: request.ignoreLabels)
        }
        return .array(entities)
    }

    /// `aggregate_word`: one label for the pieces of a word.
    private func aggregateWord(_ pieces: [PreEntity], _ strategy: AggregationStrategy) -> LabelledEntity {
        let scores: [Float]
        switch strategy {
        case .max:
            // Python's max keeps the first of equal maxima.
            var best = pieces[0]
            for piece in pieces.dropFirst() where piece.scores.max()! > best.scores.max()! { best = piece }
            scores = best.scores
        case .average:
            scores = (0..<labels.count).map { c in
                pieces.reduce(Float(0)) { $0 + $1.scores[c] } / Float(pieces.count)
            }
        default:
            scores = pieces[0].scores
        }
        let best = argmax(scores)
        return LabelledEntity(
            entity: labels[best], score: scores[best], index: nil,
            word: tokenizer.convertTokensToString(pieces.map(\.word)), start: pieces[0].start,
            end: pieces[pieces.count - 1].end)
    }

    /// `group_entities`: adjacent entities with the same tag merge unless the next one begins
    /// (`B-`); each group's score is the mean of its members'.
    private func groupEntities(_ entities: [LabelledEntity], ignoring ignored: [String]) -> [JSONValue] {
        func tag(_ name: String) -> (begins: Bool, tag: String) {
            if name.hasPrefix("B-") { return (true, String(name.dropFirst(2))) }
            if name.hasPrefix("I-") { return (false, String(name.dropFirst(2))) }
            return (false, name)
        }
        var groups: [[LabelledEntity]] = []
        for entity in entities {
            if let last = groups.last?.last {
                let (begins, current) = tag(entity.entity)
                if current == tag(last.entity).tag && !begins {
                    groups[groups.count - 1].append(entity)
                    continue
                }
            }
            groups.append([entity])
        }
        return groups.compactMap { members in
            let first = members[0].entity
            let group =
                first.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).last.map(
                    String.init) ?? first
            guard !ignored.contains(group) else { return nil }
            let score = members.reduce(Float(0)) { $0 + $1.score } / Float(members.count)
            return .object([
                ("entity_group", .string(group)), ("score", .number(Double(score))),
                ("word", .string(tokenizer.convertTokensToString(members.map(\.word)))),
                ("start", .int(members[0].start)), ("end", .int(members[members.count - 1].end)),
            ])
        }
    }
}

/// numpy's `argmax`: the first of equal maxima.
func argmax(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

extension JSONValue {
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
