import Foundation
import SluiceJSON
import SluiceModels
import SluiceTokenizers

extension PipelineTask {
    /// The span of a context that answers a question (`*ForQuestionAnswering`).
    public static let questionAnswering = PipelineTask("question-answering")
}

/// One window of a question-answering input: the question and a stretch of the context.
struct QuestionAnsweringWindow: Sendable {
    var offsets: [TokenOffset]
    var sequenceIds: [Int?]
    var wordIds: [Int?]
    /// 1 where a token cannot be part of an answer (`p_mask`): everything but the context
    /// tokens and `[CLS]`.
    var pMask: [Bool]
}

/// One `question-answering` request, as `QuestionAnsweringPipeline` (transformers 4.57)
/// prepares it: the windows over the context and the post-processing settings.
struct QuestionAnsweringRequest: Sendable {
    var context: [Unicode.Scalar]
    var windows: [QuestionAnsweringWindow]
    var topK: Int
    var maxAnswerLen: Int
    var handleImpossibleAnswer: Bool
    var alignToWords: Bool
}

/// transformers' `QuestionAnsweringPipeline` (4.57): the span head on every token of every
/// window over the context, the best spans decoded back to characters.
struct QuestionAnsweringPipeline: TaskPipeline {
    static let definition = TaskDefinition(
        task: .questionAnswering,
        parameters: [
            "top_k", "doc_stride", "max_answer_len", "max_seq_len", "max_question_len",
            "handle_impossible_answer", "align_to_words",
        ], head: .questionAnswering, architectureSuffix: "ForQuestionAnswering")
    let context: PipelineContext

    /// `QuestionAnsweringPipeline.preprocess` with a fast tokenizer: question first, the context
    /// truncated (`only_second`) to `max_seq_len` with `doc_stride` overlapping windows.
    func prepare(
        _ input: JSONValue, parameters p: TaskParameters, asListItem: Bool
    ) throws -> TaskInput<QuestionAnsweringRequest> {
        let shape = #"{"question": ..., "context": ...}"#
        guard case .object = input else {
            throw PipelineError.validation("question-answering takes \(shape)")
        }
        let question = try input.stringField("question", in: shape)
        let context = try input.stringField("context", in: shape)
        guard !question.isEmpty else { throw PipelineError.validation("`question` cannot be empty") }
        guard !context.isEmpty else { throw PipelineError.validation("`context` cannot be empty") }
        let maxSeqLen = try p.positiveInt("max_seq_len") ?? min(tokenizer.modelMaxLength ?? 384, 384)
        let docStride = try p.nonNegativeInt("doc_stride") ?? min(maxSeqLen / 2, 128)
        guard docStride <= maxSeqLen else {
            throw PipelineError.validation(
                "`doc_stride` (\(docStride)) is larger than `max_seq_len` (\(maxSeqLen))")
        }
        _ = try p.positiveInt("max_question_len")  // only the slow tokenizers' path reads it
        var windowing = tokenizer.tokenizer
        windowing.truncation = TruncationParameters(
            maxLength: maxSeqLen, stride: docStride, strategy: .onlySecond)
        let encoding = try self.encoding(question, pair: context, with: windowing)
        var windows: [QuestionAnsweringWindow] = []
        var sequences: [TokenSequence] = []
        for window in [encoding] + encoding.overflowing {
            try checkLength(window.ids.count)
            var pMask = window.sequenceIds.map { $0 != 1 }
            for (i, id) in window.ids.enumerated() where id == tokenizer.clsTokenId { pMask[i] = false }
            windows.append(
                QuestionAnsweringWindow(
                    offsets: window.offsets, sequenceIds: window.sequenceIds, wordIds: window.wordIds,
                    pMask: pMask))
            sequences.append(TokenSequence(encoding: window))
        }
        let request = QuestionAnsweringRequest(
            context: Array(context.unicodeScalars), windows: windows, topK: try p.positiveInt("top_k") ?? 1,
            maxAnswerLen: try p.positiveInt("max_answer_len") ?? 15,
            handleImpossibleAnswer: try p.bool("handle_impossible_answer") ?? false,
            alignToWords: try p.bool("align_to_words") ?? true)
        return TaskInput(sequences: sequences, rows: .every, request: request)
    }

    /// `QuestionAnsweringPipeline.postprocess`: per window, softmax of the start and end logits
    /// over the allowed tokens, the best spans (`decode_spans`), their character ranges (whole
    /// words with `align_to_words`); equal answers add up; the null answer with
    /// `handle_impossible_answer`; the best `top_k`, a lone answer unwrapped.
    func finish(_ request: QuestionAnsweringRequest, _ output: ModelOutput) throws -> JSONValue {
        let logits = output.rows
        var answers: [(score: Double, start: Int, end: Int, answer: String)] = []
        var minNullScore = 1_000_000.0
        let preTopK = request.alignToWords ? request.topK * 2 + 10 : request.topK
        for (window, values) in zip(request.windows, logits) {
            let t = window.pMask.count
            var start = (0..<t).map { window.pMask[$0] ? -10000 : values[2 * $0] }
            var end = (0..<t).map { window.pMask[$0] ? -10000 : values[2 * $0 + 1] }
            start = softmaxRow(start[...])
            end = softmaxRow(end[...])
            if request.handleImpossibleAnswer { minNullScore = min(minNullScore, Double(start[0] * end[0])) }
            start[0] = 0
            end[0] = 0
            for (s, e, score) in decodeSpans(
                start, end, topK: preTopK, maxAnswerLen: request.maxAnswerLen, window)
            {
                let (from, to) = characterRange(window, s, e, alignToWords: request.alignToWords)
                let text = String(String.UnicodeScalarView(request.context[from..<max(from, to)]))
                if let same = answers.firstIndex(where: { $0.answer.lowercased() == text.lowercased() }) {
                    answers[same].score += Double(score)
                } else {
                    answers.append((Double(score), from, to, text))
                }
            }
        }
        if request.handleImpossibleAnswer { answers.append((minNullScore, 0, 0, "")) }
        // Equal scores keep their order.
        let best = highestFirst(answers.map(\.score)).prefix(request.topK).map { index in
            let answer = answers[index]
            return JSONValue.object([
                ("score", .number(answer.score)), ("start", .int(answer.start)), ("end", .int(answer.end)),
                ("answer", .string(answer.answer)),
            ])
        }
        return best.count == 1 ? best[0] : .array(best)
    }

    /// `decode_spans`: span scores `start[s] * end[e]` for `s <= e < s + max_answer_len`, the
    /// best `topK` of all `t × t` (masked spans score 0), kept when both ends are allowed tokens.
    private func decodeSpans(
        _ start: [Float], _ end: [Float], topK: Int, maxAnswerLen: Int, _ window: QuestionAnsweringWindow
    ) -> [(Int, Int, Float)] {
        let t = start.count
        var candidates: [(s: Int, e: Int, score: Float)] = []
        candidates.reserveCapacity(t * min(t, maxAnswerLen))
        for s in 0..<t {
            for e in s..<min(t, s + maxAnswerLen) where start[s] * end[e] > 0 {
                candidates.append((s, e, start[s] * end[e]))
            }
        }
        // numpy's argmax / argsort of the flattened [s, e] matrix: highest first, row-major on ties.
        candidates.sort { $0.score != $1.score ? $0.score > $1.score : ($0.s, $0.e) < ($1.s, $1.e) }
        return candidates.prefix(topK).filter { !window.pMask[$0.s] && !window.pMask[$0.e] }.map {
            ($0.s, $0.e, $0.score)
        }
    }

    /// `get_indices`: the characters of the words holding the first and last tokens, or of
    /// the tokens themselves (also when a token belongs to no word of the context).
    private func characterRange(
        _ window: QuestionAnsweringWindow, _ s: Int, _ e: Int, alignToWords: Bool
    ) -> (Int, Int) {
        if alignToWords, let startWord = window.wordIds[s], let endWord = window.wordIds[e],
            let from = wordCharacters(window, startWord)?.0, let to = wordCharacters(window, endWord)?.1
        {
            return (from, to)
        }
        return (window.offsets[s].start, window.offsets[e].end)
    }

    /// `Encoding.word_to_chars(word, sequence_index=1)` within one window.
    private func wordCharacters(_ window: QuestionAnsweringWindow, _ word: Int) -> (Int, Int)? {
        let tokens = window.wordIds.indices.filter {
            window.wordIds[$0] == word && window.sequenceIds[$0] == 1
        }
        guard let first = tokens.first, let last = tokens.last else { return nil }
        return (window.offsets[first].start, window.offsets[last].end)
    }
}
