import SluiceJSON

/// The Unigram language model of SentencePiece: the segmentation with the highest total log
/// probability (Viterbi). Mirrors `tokenizers::models::unigram::Unigram` (its optimized path),
/// in Unicode scalars where the reference counts bytes: the paths and scores are the same.
struct Unigram: TokenizationModel {
    let pieces: [(token: String, score: Double)]
    let vocabulary: [ExactString: Int]
    let unknownId: Int?
    let byteFallback: Bool
    private let trie: ScalarTrie
    private let unknownScore: Double
    private let byteIds: [Int32]
    private let cache = WordCache<[ModelPiece]>()

    init(json: JSONObject) throws {
        let items = try json.array("vocab")
        var pieces = [(token: String, score: Double)]()
        pieces.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .array(let pair) = item, pair.count == 2, case .string(let token) = pair[0],
                let score = pair[1].doubleValue
            else {
                throw TokenizerError("\(json.path).vocab[\(index)] must be [token, score]")
            }
            pieces.append((token, score))
        }
        try self.init(
            pieces: pieces, unknownId: try json.optionalInt("unk_id"),
            byteFallback: try json.bool("byte_fallback", default: false))
    }

    init(pieces: [(token: String, score: Double)], unknownId: Int?, byteFallback: Bool) throws {
        if let unknownId {
            guard !pieces.isEmpty else {
                throw TokenizerError("Unigram: the vocabulary is empty but at least <unk> is needed")
            }
            guard unknownId < pieces.count else {
                throw TokenizerError(
                    "Unigram: unk_id \(unknownId) is outside the vocabulary (\(pieces.count) pieces)")
            }
        }
        self.pieces = pieces
        self.unknownId = unknownId
        self.byteFallback = byteFallback
        var vocabulary = [ExactString: Int](minimumCapacity: pieces.count)
        var minScore = Double.infinity
        for (id, piece) in pieces.enumerated() {
            vocabulary[ExactString(piece.token)] = id
            if piece.score < minScore { minScore = piece.score }
        }
        var trie = ScalarTrie()
        for (key, id) in vocabulary {
            trie.insert(Array(key.string.unicodeScalars)[...], id: id, token: key.string)
        }
        self.vocabulary = vocabulary
        self.trie = trie
        unknownScore = minScore - 10
        byteIds = (0..<256).map { Int32(vocabulary[ExactString(byteToken(UInt8($0)))] ?? -1) }
    }

    var vocabularySize: Int { pieces.count }

    func tokenToId(_ token: String) -> Int? { vocabulary[ExactString(token)] }

    func idToToken(_ id: Int) -> String? { id >= 0 && id < pieces.count ? pieces[id].token : nil }

    func tokenize(_ word: [Unicode.Scalar]) throws -> [Token] {
        if word.isEmpty { return [] }
        let segments: [ModelPiece]
        if let cached = cache.get(word) {
            segments = cached
        } else {
            segments = try bestSegmentation(word)
            if word.count < 256 { cache.set(word, segments) }
        }
        var tokens = [Token]()
        tokens.reserveCapacity(segments.count)
        for segment in segments {
            let start = Int(segment.start)
            let end = Int(segment.end)
            if segment.id >= 0 {
                tokens.append(
                    Token(id: Int(segment.id), value: pieces[Int(segment.id)].token, start: start, end: end))
                continue
            }
            // A run of unknown characters, looked up by its text as the reference does.
            let text = String(scalars: word[start..<end])
            if let id = vocabulary[ExactString(text)] {
                tokens.append(Token(id: id, value: text, start: start, end: end))
                continue
            }
            if byteFallback {
                let bytes = Array(text.utf8)
                if bytes.allSatisfy({ byteIds[Int($0)] >= 0 }) {
                    for byte in bytes {
                        tokens.append(
                            Token(id: Int(byteIds[Int(byte)]), value: byteToken(byte), start: start, end: end)
                        )
                    }
                    continue
                }
            }
            guard let unknownId else {
                throw TokenizerError("Unigram: an unknown character was found but the model has no unk_id")
            }
            tokens.append(Token(id: unknownId, value: text, start: start, end: end))
        }
        return tokens
    }

    /// Viterbi over the lattice of vocabulary matches: `best[i]` is the best path covering the
    /// first `i` scalars. A character no piece starts with gets an unknown node. Runs of unknown
    /// nodes are fused into one segment (id -1).
    private func bestSegmentation(_ word: [Unicode.Scalar]) throws -> [ModelPiece] {
        let count = word.count
        var score = [Double](repeating: 0, count: count + 1)
        var startOf = [Int32](repeating: -1, count: count + 1)
        var idOf = [Int32](repeating: 0, count: count + 1)
        for start in 0..<count {
            let base = score[start]
            var hasSingle = false
            trie.forEachPrefix(of: word, from: start) { id, end in
                let candidate = pieces[id].score + base
                if startOf[end] < 0 || candidate > score[end] {
                    score[end] = candidate
                    startOf[end] = Int32(start)
                    idOf[end] = Int32(id)
                }
                if end == start + 1 { hasSingle = true }
            }
            if !hasSingle {
                let candidate = unknownScore + base
                if startOf[start + 1] < 0 || candidate > score[start + 1] {
                    guard let unknownId else {
                        throw TokenizerError(
                            "Unigram: an unknown character was found but the model has no unk_id")
                    }
                    score[start + 1] = candidate
                    startOf[start + 1] = Int32(start)
                    idOf[start + 1] = Int32(unknownId)
                }
            }
        }
        var result = [ModelPiece]()
        var end = count
        var unknownEnd = -1
        while end > 0 {
            let start = Int(startOf[end])
            let id = Int(idOf[end])
            if id == unknownId {
                if unknownEnd < 0 { unknownEnd = end }
            } else {
                if unknownEnd >= 0 {
                    result.append(ModelPiece(id: -1, start: Int32(end), end: Int32(unknownEnd)))
                    unknownEnd = -1
                }
                result.append(ModelPiece(id: Int32(id), start: Int32(start), end: Int32(end)))
            }
            end = start
        }
        if unknownEnd >= 0 {
            result.append(ModelPiece(id: -1, start: 0, end: Int32(unknownEnd)))
        }
        result.reverse()
        return result
    }
}

/// The WordLevel model: each word is a token of the vocabulary, or the unknown token.
/// Mirrors `tokenizers::models::wordlevel::WordLevel`.
struct WordLevel: TokenizationModel {
    let vocabulary: [ExactString: Int]
    let tokensById: [Int: String]
    let unknownToken: String

    init(json: JSONObject) throws {
        let vocabulary = try json.vocabulary("vocab")
        var tokensById = [Int: String](minimumCapacity: vocabulary.count)
        // In the file's order: of two tokens with one id, the later names it.
        for (token, value) in try json.object("vocab").members {
            if let id = value.nonNegativeInt { tokensById[id] = token }
        }
        self.vocabulary = vocabulary
        self.tokensById = tokensById
        unknownToken = try json.optionalString("unk_token") ?? "<unk>"
    }

    var vocabularySize: Int { vocabulary.count }

    func tokenToId(_ token: String) -> Int? { vocabulary[ExactString(token)] }

    func idToToken(_ id: Int) -> String? { tokensById[id] }

    func tokenize(_ word: [Unicode.Scalar]) throws -> [Token] {
        let text = String(scalars: word)
        if let id = vocabulary[ExactString(text)] {
            return [Token(id: id, value: text, start: 0, end: word.count)]
        }
        guard let id = vocabulary[ExactString(unknownToken)] else {
            throw TokenizerError("WordLevel: the unk_token \"\(unknownToken)\" is not in the vocabulary")
        }
        return [Token(id: id, value: unknownToken, start: 0, end: word.count)]
    }
}
