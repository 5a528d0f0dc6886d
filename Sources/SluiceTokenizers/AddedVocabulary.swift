import SluiceJSON

/// A token added on top of the model's vocabulary (`added_tokens` in `tokenizer.json`),
/// found in raw text before the model runs.
struct AddedToken: Sendable, Equatable {
    var content: String
    /// Match only when not inside a word (`\w` on neither side).
    var singleWord: Bool
    /// Swallow the whitespace on its left.
    var leftStrip: Bool
    /// Swallow the whitespace on its right.
    var rightStrip: Bool
    /// Match against normalized text (else against the raw input).
    var normalized: Bool
    /// A special token: skipped by `decode(skipSpecialTokens: true)`.
    var special: Bool

    static func == (lhs: AddedToken, rhs: AddedToken) -> Bool {
        lhs.content.isExactly(rhs.content) && lhs.singleWord == rhs.singleWord
            && lhs.leftStrip == rhs.leftStrip && lhs.rightStrip == rhs.rightStrip
            && lhs.normalized == rhs.normalized && lhs.special == rhs.special
    }

    init(json: JSONObject) throws {
        content = try json.string("content")
        singleWord = try json.bool("single_word", default: false)
        leftStrip = try json.bool("lstrip", default: false)
        rightStrip = try json.bool("rstrip", default: false)
        special = try json.bool("special", default: false)
        normalized = try json.bool("normalized", default: !special)
    }
}

/// The added tokens and how they are cut out of the input; mirrors
/// `tokenizers::tokenizer::added_vocabulary::AddedVocabulary`.
///
/// Tokens with `normalized == false` are matched in the raw input first; the text between them
/// is then normalized and searched for the `normalized == true` tokens (in their normalized
/// spelling). Matching is leftmost-longest and never overlaps, as the reference's Aho-Corasick.
struct AddedVocabulary: Sendable {
    private(set) var idsByContent: [ExactString: Int] = [:]
    private(set) var tokensById: [Int: AddedToken] = [:]
    private var normalizedContent: [Int: String] = [:]
    private var specialContents: Set<ExactString> = []
    private var rawMatcher = TokenMatcher(patterns: [])
    private var normalizedMatcher = TokenMatcher(patterns: [])

    /// Adds `tokens` in order, as `AddedVocabulary::add_tokens`: a token already in the model's
    /// vocabulary keeps that id, a new one gets the next id after the vocabulary.
    init(tokens: [AddedToken], model: any TokenizationModel, normalizer: (any Normalizer)?) {
        var nextId = model.vocabularySize
        for token in tokens where !token.content.isEmpty {
            let key = ExactString(token.content)
            if let existing = idsByContent[key], tokensById[existing] == token {
                continue
            }
            let id: Int
            if let known = idsByContent[key] ?? model.tokenToId(token.content) {
                id = known
            } else {
                id = nextId
                nextId += 1
            }
            if token.normalized, let normalizer {
                var normalized = NormalizedString(Array(token.content.unicodeScalars))
                normalizer.normalize(&normalized)
                let text = normalized.string
                if !text.isExactly(token.content) {
                    normalizedContent[id] = text
                }
            }
            idsByContent[key] = id
            if token.special {
                specialContents.insert(key)
            }
            tokensById[id] = token
        }
        var raw = [(scalars: [Unicode.Scalar], id: Int)]()
        var normalized = [(scalars: [Unicode.Scalar], id: Int)]()
        for (id, token) in tokensById.sorted(by: { $0.key < $1.key }) {
            if token.normalized {
                let text = normalizedContent[id] ?? token.content
                normalized.append((Array(text.unicodeScalars), id))
            } else {
                raw.append((Array(token.content.unicodeScalars), id))
            }
        }
        rawMatcher = TokenMatcher(patterns: raw)
        normalizedMatcher = TokenMatcher(patterns: normalized)
    }

    var count: Int { idsByContent.count }

    func id(for content: String) -> Int? { idsByContent[ExactString(content)] }

    /// The token string for `id` (its normalized spelling for normalized tokens, as the
    /// reference's `simple_id_to_token`).
    func token(for id: Int) -> String? {
        guard let token = tokensById[id] else { return nil }
        return normalizedContent[id] ?? token.content
    }

    func isSpecial(_ content: String) -> Bool { specialContents.contains(ExactString(content)) }

    /// Cuts the added tokens out of `text` and normalizes the rest.
    func extractAndNormalize(_ text: [Unicode.Scalar], normalizer: (any Normalizer)?) -> PreTokenizedString {
        var pre = PreTokenizedString(text)
        pre.split { split(sentence: $0, matcher: rawMatcher) }
        pre.split { piece in
            var sentence = piece
            normalizer?.normalize(&sentence)
            return split(sentence: sentence, matcher: normalizedMatcher)
        }
        return pre
    }

    private func split(sentence: NormalizedString, matcher: TokenMatcher) -> [PreTokenizedString.Split] {
        findMatches(in: sentence.normalized, matcher: matcher).map { id, range in
            let slice = sentence.slice(range)
            guard let id else { return PreTokenizedString.Split(normalized: slice, tokens: nil) }
            let token = Token(id: id, value: slice.string, start: 0, end: slice.count)
            return PreTokenizedString.Split(normalized: slice, tokens: [token])
        }
    }

    /// `AddedVocabulary::find_matches`: the pieces of `sentence`, each with the id of the added
    /// token it is, or `nil` for text between tokens.
    private func findMatches(in sentence: [Unicode.Scalar], matcher: TokenMatcher) -> [(Int?, Range<Int>)] {
        if sentence.isEmpty { return [(nil, 0..<0)] }
        if matcher.isEmpty { return [(nil, 0..<sentence.count)] }
        var pieces = [(Int?, Range<Int>)]()
        var startOffset = 0
        for match in matcher.matches(in: sentence) {
            var start = match.range.lowerBound
            var stop = match.range.upperBound
            guard let token = tokensById[match.id] else { continue }
            if token.singleWord {
                let spaceBefore = start == 0 || !isRegexWordCharacter(sentence[start - 1])
                let spaceAfter = stop == sentence.count || !isRegexWordCharacter(sentence[stop])
                if !spaceBefore || !spaceAfter { continue }
            }
            if token.leftStrip {
                var newStart = start
                while newStart > 0 && isUnicodeWhitespace(sentence[newStart - 1]) { newStart -= 1 }
                start = max(newStart, startOffset)
            }
            if token.rightStrip {
                while stop < sentence.count && isUnicodeWhitespace(sentence[stop]) { stop += 1 }
            }
            if startOffset < start {
                pieces.append((nil, startOffset..<start))
            }
            pieces.append((match.id, start..<stop))
            startOffset = stop
        }
        if startOffset != sentence.count {
            pieces.append((nil, startOffset..<sentence.count))
        }
        return pieces
    }
}

/// Leftmost-longest, non-overlapping search for a set of scalar patterns.
struct TokenMatcher: Sendable {
    /// Patterns by first scalar, longest first.
    private var patternsByFirst: [UInt32: [(scalars: [Unicode.Scalar], id: Int)]] = [:]

    init(patterns: [(scalars: [Unicode.Scalar], id: Int)]) {
        for pattern in patterns where !pattern.scalars.isEmpty {
            patternsByFirst[pattern.scalars[0].value, default: []].append(pattern)
        }
        for key in patternsByFirst.keys {
            patternsByFirst[key]!.sort { $0.scalars.count > $1.scalars.count }
        }
    }

    var isEmpty: Bool { patternsByFirst.isEmpty }

    /// Scanning left to right, the longest pattern starting at the first position where any
    /// matches; the search resumes after it. Callers may reject a match; the search still
    /// resumes after it, as with the reference's iterator.
    func matches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, id: Int)] {
        var result = [(range: Range<Int>, id: Int)]()
        var index = 0
        while index < text.count {
            guard let candidates = patternsByFirst[text[index].value] else {
                index += 1
                continue
            }
            var found: (range: Range<Int>, id: Int)?
            for pattern in candidates where index + pattern.scalars.count <= text.count {
                if text[index..<(index + pattern.scalars.count)].elementsEqual(pattern.scalars) {
                    found = (index..<(index + pattern.scalars.count), pattern.id)
                    break
                }
            }
            if let found {
                result.append(found)
                index = found.range.upperBound
            } else {
                index += 1
            }
        }
        return result
    }
}
