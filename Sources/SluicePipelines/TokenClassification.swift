import Foundation
import SluiceJSON
import SluiceModels
import SluiceTokenizers

extension PipelineTask {
    /// A label per token, or entities grouped from them (`*ForTokenClassification`).
    public static let tokenClassification = PipelineTask("token-classification", aliases: ["ner"])
}

/// `AggregationStrategy` of the token-classification pipeline.
enum AggregationStrategy: String, Sendable {
    case none
    case simple
    case first
    case average
    case max
}

/// One `token-classification` request: the sentence, its windows of tokens and the
/// post-processing settings.
struct TokenClassificationRequest: Sendable {
    /// The sentence as the pipeline slices it: the text, or the words joined by the delimiter.
    var text: String
    /// One window without `stride`; the overlapping windows of the whole text with it.
    var windows: [TokenWindow]
    var aggregation: AggregationStrategy
    var ignoreLabels: [String]
}

/// One chunk the model sees: its tokens, with offsets into the request's sentence.
struct TokenWindow: Sendable {
    var ids: [Int]
    var tokens: [String]
    var offsets: [TokenOffset]
    var specialTokensMask: [Int]
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

    /// A token's entry in the ungrouped answer (`aggregation_strategy` `none`).
    var tokenJSON: JSONValue {
        .object([
            ("entity", .string(entity)), ("score", .number(Double(score))),
            ("index", index.map { .int($0) } ?? .null),
            ("word", .string(word)), ("start", .int(start)), ("end", .int(end)),
        ])
    }
}

/// transformers' `TokenClassificationPipeline`: the token head on every token, entities
/// gathered, aggregated and grouped as the pipeline does.
struct TokenClassificationPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .tokenClassification,
        parameters: ["aggregation_strategy", "ignore_labels", "stride", "is_split_into_words", "delimiter"],
        head: .tokenClassification, architectureSuffix: "ForTokenClassification")
    let context: PipelineContext

    /// `TokenClassificationPipeline.__call__`: with `"is_split_into_words": true`, a list is one
    /// sentence's words unless every item is itself a list (several sentences); either way it
    /// is answered as a list.
    func items(of inputs: JSONValue, parameters: TaskParameters) throws -> InputItems {
        guard parameters.values?["is_split_into_words"] == .bool(true), case .array(let items) = inputs,
            !items.isEmpty
        else {
            return try InputItems.splitting(inputs)
        }
        let sentences = items.allSatisfy { $0.arrayValue != nil } ? items : [.array(items)]
        return try InputItems(items: sentences, isList: true)
    }

    /// `TokenClassificationPipeline.preprocess`: the text (or, with `is_split_into_words`, a
    /// list of words joined by `delimiter`), truncated at `model_max_length` when the tokenizer
    /// has one; with `stride`, every overlapping window of the text instead of the first alone.
    func prepare(
        _ input: JSONValue, parameters p: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<TokenClassificationRequest> {
        var aggregation: AggregationStrategy?
        if let name = try p.string("aggregation_strategy") {
            guard let chosen = AggregationStrategy(rawValue: name.lowercased()) else {
                throw PipelineError.validation(
                    "aggregation_strategy must be one of none, simple, first, average, max (got \"\(name)\")")
            }
            aggregation = chosen
        }
        let stride = try p.nonNegativeInt("stride")
        var tokenizer = self.tokenizer.tokenizer
        if let limit = self.tokenizer.modelMaxLength {
            tokenizer.truncation = TruncationParameters(maxLength: limit, stride: stride ?? 0)
        }
        if let stride {
            try checkStride(stride, aggregation: aggregation, tokenizer: tokenizer)
        }
        let text: String
        let encoding: Encoding
        var wordStarts: [Int]?
        if try p.bool("is_split_into_words") == true {
            guard case .array(let items) = input else {
                throw PipelineError.validation(
                    "with is_split_into_words, token-classification takes a list of words")
            }
            let words = try items.map {
                guard case .string(let word) = $0 else {
                    throw PipelineError.validation("with is_split_into_words, the words must be strings")
                }
                return word
            }
            guard !words.isEmpty else { throw PipelineError.validation("At least one input is required.") }
            let delimiter = try p.string("delimiter") ?? " "
            text = words.joined(separator: delimiter)
            // Each word's first character in the joined sentence, in code points (Python indices).
            var next = 0
            wordStarts = words.map { word in
                defer { next += word.unicodeScalars.count + delimiter.unicodeScalars.count }
                return next
            }
            do { encoding = try tokenizer.encode(words: words) } catch {
                throw PipelineError.validation("cannot tokenize the input: \(error)")
            }
        } else {
            text = try input.requireText(task)
            do { encoding = try tokenizer.encode(text) } catch {
                throw PipelineError.validation("cannot tokenize the input: \(error)")
            }
        }
        let chunks = stride == nil ? [encoding] : [encoding] + encoding.overflowing
        let windows = try chunks.map { chunk -> TokenWindow in
            try checkLength(chunk.ids.count)
            var offsets = chunk.offsets
            if let wordStarts {
                // Offsets of pre-split words count from their word: rebase them on the sentence.
                for (index, word) in chunk.wordIds.enumerated() {
                    guard let word else { continue }
                    offsets[index].start += wordStarts[word]
                    offsets[index].end += wordStarts[word]
                }
            }
            return TokenWindow(
                ids: chunk.ids, tokens: chunk.tokens, offsets: offsets,
                specialTokensMask: chunk.specialTokensMask)
        }
        let request = TokenClassificationRequest(
            text: text, windows: windows, aggregation: aggregation ?? .none,
            ignoreLabels: try p.stringList("ignore_labels") ?? ["O"])
        return TaskInput(
            sequences: chunks.map { TokenSequence(encoding: $0) }, rows: .every, request: request)
    }

    /// `_sanitize_parameters`' checks of `stride`, and the one tokenizers makes when truncation
    /// is set: the windows must move forward past the special tokens.
    private func checkStride(
        _ stride: Int, aggregation: AggregationStrategy?, tokenizer: Tokenizer
    ) throws {
        if let limit = self.tokenizer.modelMaxLength, stride >= limit {
            throw PipelineError.validation(
                "`stride` must be less than `tokenizer.model_max_length` (or even lower if the tokenizer adds special tokens)"
            )
        }
        if aggregation == AggregationStrategy.none {
            throw PipelineError.validation(
                #"`stride` was provided to process all the text but `aggregation_strategy="none"`, please select another one instead."#
            )
        }
        if let limit = self.tokenizer.modelMaxLength {
            var plain = tokenizer
            plain.truncation = nil
            let added = (try? plain.encode(""))?.ids.count ?? 0
            if stride > limit - added {
                throw PipelineError.validation(
                    "tokenizer stride set to \(stride), which is greater than or equal to its effective max length of \(limit - added) (= \(limit) original max length - \(added) added special tokens)"
                )
            }
        }
    }

    /// `TokenClassificationPipeline.postprocess`: per window, softmax per token, pre-entities,
    /// aggregation and the `ignore_labels` filter; then, over several windows, the overlapping
    /// entities merged.
    func finish(_ request: TokenClassificationRequest, _ output: ModelOutput) -> JSONValue {
        let logits = output.rows
        var entities: [JSONValue] = []
        for (window, windowLogits) in zip(request.windows, logits) {
            entities += windowEntities(request, window, logits: windowLogits)
        }
        if request.windows.count > 1 { entities = mergeOverlapping(entities) }
        return .array(entities)
    }

    /// One window's entities, before the windows are merged.
    private func windowEntities(
        _ request: TokenClassificationRequest, _ window: TokenWindow, logits: [Float]
    ) -> [JSONValue] {
        let width = labels.count
        let sentence = Array(request.text.unicodeScalars)
        var pre: [PreEntity] = []
        for index in window.ids.indices where window.specialTokensMask[index] == 0 {
            let scores = softmaxRow(logits[(index * width)..<((index + 1) * width)])
            let start = window.offsets[index].start
            let end = window.offsets[index].end
            let wordRef = String(String.UnicodeScalarView(sentence[start..<end]))
            var word = window.tokens[index]
            var isSubword: Bool
            if tokenizer.continuingSubwordPrefix != nil {
                isSubword = word.unicodeScalars.count != wordRef.unicodeScalars.count
            } else {
                // The reference's fallback heuristic for tokenizers without word pieces.
                isSubword = start > 0 && !sentence[(start - 1)..<min(start + 1, sentence.count)].contains(" ")
            }
            if window.ids[index] == tokenizer.unkTokenId {
                word = wordRef
                isSubword = false
            }
            pre.append(
                PreEntity(
                    word: word, scores: scores, start: start, end: end, index: index, isSubword: isSubword))
        }
        switch request.aggregation {
        case .none:
            return pre.map(labelled).filter { !request.ignoreLabels.contains($0.entity) }.map(\.tokenJSON)
        case .simple:
            return groupEntities(pre.map(labelled), ignoring: request.ignoreLabels)
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
            return groupEntities(words, ignoring: request.ignoreLabels)
        }
    }

    /// A token under its best label: the answer's entry without aggregation, and what simple
    /// aggregation groups.
    private func labelled(_ token: PreEntity) -> LabelledEntity {
        let best = argmax(token.scores)
        return LabelledEntity(
            entity: labels[best], score: token.scores[best], index: token.index, word: token.word,
            start: token.start, end: token.end)
    }

    /// `aggregate_overlapping_entities`: sorted by start (stably), an entity that starts inside
    /// the one kept before it replaces it when longer, or as long with a higher score.
    private func mergeOverlapping(_ entities: [JSONValue]) -> [JSONValue] {
        guard !entities.isEmpty else { return entities }
        func span(_ entity: JSONValue) -> (start: Int, end: Int, score: Double) {
            guard case .int(let start) = entity["start"], case .int(let end) = entity["end"],
                case .number(let score) = entity["score"]
            else { return (0, 0, 0) }
            return (start, end, score)
        }
        let sorted = entities.enumerated().sorted { a, b in
            let (x, y) = (span(a.element).start, span(b.element).start)
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        var merged: [JSONValue] = []
        var previous = sorted[0]
        for entity in sorted {
            let current = span(entity)
            let kept = span(previous)
            if kept.start <= current.start && current.start < kept.end {
                let length = current.end - current.start
                let keptLength = kept.end - kept.start
                if length > keptLength || (length == keptLength && current.score > kept.score) {
                    previous = entity
                }
            } else {
                merged.append(previous)
                previous = entity
            }
        }
        merged.append(previous)
        return merged
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

extension JSONValue {
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
