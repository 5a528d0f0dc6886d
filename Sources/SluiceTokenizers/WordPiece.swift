import SluiceJSON

/// The WordPiece model: greedy longest-match-first over the vocabulary, continuation pieces
/// carrying a prefix (`##`). Mirrors `tokenizers::models::wordpiece::WordPiece`.
///
/// The longest match is found in one pass over a trie of the vocabulary instead of the
/// reference's shrinking substrings, which gives the same answer without building strings.
struct WordPiece: TokenizationModel {
    let vocabulary: [ExactString: Int]
    let tokensById: [Int: String]
    let unknownToken: String
    let continuingSubwordPrefix: String
    let maxInputCharsPerWord: Int
    private let wordStarts: ScalarTrie
    private let continuations: ScalarTrie

    init(json: JSONObject) throws {
        let vocabulary = try json.vocabulary("vocab")
        try self.init(
            vocabulary: vocabulary,
            unknownToken: try json.string("unk_token"),
            continuingSubwordPrefix: try json.string("continuing_subword_prefix"),
            maxInputCharsPerWord: try json.int("max_input_chars_per_word"))
    }

    init(
        vocabulary: [ExactString: Int], unknownToken: String, continuingSubwordPrefix: String,
        maxInputCharsPerWord: Int
    ) throws {
        self.vocabulary = vocabulary
        var tokensById = [Int: String](minimumCapacity: vocabulary.count)
        for (token, id) in vocabulary { tokensById[id] = token.string }
        self.tokensById = tokensById
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        var wordStarts = ScalarTrie()
        var continuations = ScalarTrie()
        let prefix = Array(continuingSubwordPrefix.unicodeScalars)
        for (key, id) in vocabulary {
            let token = key.string
            let scalars = Array(token.unicodeScalars)
            wordStarts.insert(scalars[...], id: id, token: token)
            if scalars.count >= prefix.count && scalars[..<prefix.count].elementsEqual(prefix) {
                continuations.insert(scalars[prefix.count...], id: id, token: token)
            }
        }
        self.wordStarts = wordStarts
        self.continuations = continuations
    }

    var vocabularySize: Int { vocabulary.count }

    func tokenToId(_ token: String) -> Int? { vocabulary[ExactString(token)] }

    func idToToken(_ id: Int) -> String? { tokensById[id] }

    func tokenize(_ word: [Unicode.Scalar]) throws -> [Token] {
        if word.count > maxInputCharsPerWord {
            return [try unknown(length: word.count)]
        }
        var tokens = [Token]()
        var start = 0
        while start < word.count {
            let trie = start == 0 ? wordStarts : continuations
            guard let match = trie.longestMatch(in: word, from: start) else {
                return [try unknown(length: word.count)]
            }
            tokens.append(Token(id: match.id, value: match.token, start: start, end: match.end))
            start = match.end
        }
        return tokens
    }

    private func unknown(length: Int) throws -> Token {
        guard let id = vocabulary[ExactString(unknownToken)] else {
            throw TokenizerError(
                "WordPiece: the unk_token \"\(unknownToken)\" is not in the vocabulary")
        }
        return Token(id: id, value: unknownToken, start: 0, end: length)
    }
}

/// A trie over Unicode scalars; children are found in one hash table keyed by (node, scalar).
struct ScalarTrie: Sendable {
    private var children: [UInt64: Int32] = [:]
    /// For each node, the index of its entry in `entries`, or -1.
    private var terminalOfNode: [Int32] = [-1]
    private var entries: [(id: Int, token: String)] = []
    private var nodeCount: Int32 = 1

    mutating func insert(_ scalars: ArraySlice<Unicode.Scalar>, id: Int, token: String) {
        guard !scalars.isEmpty else { return }
        var node: Int32 = 0
        for scalar in scalars {
            let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(scalar.value)
            if let next = children[key] {
                node = next
            } else {
                children[key] = nodeCount
                node = nodeCount
                nodeCount += 1
                terminalOfNode.append(-1)
            }
        }
        // Spellings are unique in a vocabulary; should one repeat, keep the first seen.
        if terminalOfNode[Int(node)] < 0 {
            terminalOfNode[Int(node)] = Int32(entries.count)
            entries.append((id, token))
        }
    }

    /// Calls `body(id, end)` for every entry that `word[start...]` begins with, shortest first.
    func forEachPrefix(
        of word: [Unicode.Scalar], from start: Int, _ body: (Int, Int) throws -> Void
    ) rethrows {
        try walk(word, from: start) { entry, end in try body(entries[entry].id, end) }
    }

    /// The longest entry that `word[start...]` begins with, and where it ends.
    func longestMatch(in word: [Unicode.Scalar], from start: Int) -> (id: Int, token: String, end: Int)? {
        var best: (id: Int, token: String, end: Int)?
        walk(word, from: start) { entry, end in best = (entries[entry].id, entries[entry].token, end) }
        return best
    }

    /// Follows `word[start...]` down the trie, calling `body(entry, end)` at each entry passed.
    private func walk(_ word: [Unicode.Scalar], from start: Int, _ body: (Int, Int) throws -> Void) rethrows {
        var node: Int32 = 0
        var index = start
        while index < word.count {
            let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(word[index].value)
            guard let next = children[key] else { return }
            node = next
            index += 1
            let terminal = terminalOfNode[Int(node)]
            if terminal >= 0 { try body(Int(terminal), index) }
        }
    }
}
