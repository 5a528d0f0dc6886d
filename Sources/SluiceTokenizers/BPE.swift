import Foundation
import SluiceJSON

/// The byte-pair-encoding model: a word starts as one symbol per character and adjacent pairs
/// are merged, lowest merge rank first. Mirrors `tokenizers::models::bpe::BPE` (dropout is a
/// training-time option and is ignored, as the reference does at inference when it is 0).
struct BPE: TokenizationModel {
    let vocabulary: [ExactString: Int]
    /// Each id's token: the ids up to about twice the vocabulary's size in an array, any beyond
    /// (a vocabulary with far-apart ids, which the reference's map allows) in `sparseTokens`.
    let tokensById: [String?]
    let sparseTokens: [Int: String]
    /// `(left id, right id)` packed into 64 bits → (rank, id of the merged token).
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let unknownToken: String?
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    /// Ids of single-scalar tokens, used when there is no prefix or suffix to add.
    private let scalarIds: [UInt32: Int32]
    /// Ids of the `<0xAB>` byte tokens, -1 where the vocabulary lacks one.
    private let byteIds: [Int32]
    private let cache = WordCache<[ModelPiece]>()

    init(json: JSONObject) throws {
        let vocabulary = try json.vocabulary("vocab")
        var merges = [(String, String)]()
        for (index, item) in try json.array("merges").enumerated() {
            switch item {
            case .string(let line):
                // The legacy form "a b": exactly one space.
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError(
                        "\(json.path).merges[\(index)] must be two tokens separated by a space")
                }
                merges.append((String(parts[0]), String(parts[1])))
            case .array(let pair):
                guard pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] else {
                    throw TokenizerError("\(json.path).merges[\(index)] must be a pair of strings")
                }
                merges.append((a, b))
            default:
                throw TokenizerError("\(json.path).merges[\(index)] must be a string or a pair of strings")
            }
        }
        try self.init(
            vocabulary: vocabulary, merges: merges,
            unknownToken: try json.optionalString("unk_token"),
            continuingSubwordPrefix: try json.optionalString("continuing_subword_prefix"),
            endOfWordSuffix: try json.optionalString("end_of_word_suffix"),
            fuseUnknown: try json.bool("fuse_unk", default: false),
            byteFallback: try json.bool("byte_fallback", default: false),
            ignoreMerges: try json.bool("ignore_merges", default: false))
    }

    init(
        vocabulary: [ExactString: Int], merges mergeList: [(String, String)], unknownToken: String?,
        continuingSubwordPrefix: String?, endOfWordSuffix: String?, fuseUnknown: Bool,
        byteFallback: Bool, ignoreMerges: Bool
    ) throws {
        self.vocabulary = vocabulary
        // The reference reads ids as u32; ours must also fit the Int32 the merges table keeps.
        if let (token, id) = vocabulary.first(where: { $0.value > Int(Int32.max) }) {
            throw TokenizerError("BPE vocabulary id \(id) of \"\(token.string)\" is over \(Int32.max)")
        }
        let maxId = vocabulary.values.max() ?? -1
        var tokensById = [String?](repeating: nil, count: min(maxId + 1, 2 * vocabulary.count + 256))
        var sparseTokens = [Int: String]()
        var scalarIds = [UInt32: Int32]()
        for (token, id) in vocabulary {
            if id < tokensById.count {
                tokensById[id] = token.string
            } else {
                sparseTokens[id] = token.string
            }
            let scalars = token.string.unicodeScalars
            if scalars.count == 1 { scalarIds[scalars.first!.value] = Int32(id) }
        }
        self.tokensById = tokensById
        self.sparseTokens = sparseTokens
        self.scalarIds = scalarIds
        self.byteIds = (0..<256).map { byte in
            Int32(vocabulary[ExactString(byteToken(UInt8(byte)))] ?? -1)
        }
        let prefixBytes = continuingSubwordPrefix?.utf8.count ?? 0
        var merges = [UInt64: (rank: Int32, id: Int32)](minimumCapacity: mergeList.count)
        for (rank, (a, b)) in mergeList.enumerated() {
            guard let left = vocabulary[ExactString(a)] else {
                throw TokenizerError("BPE merge \(rank): \"\(a)\" is not in the vocabulary")
            }
            guard let right = vocabulary[ExactString(b)] else {
                throw TokenizerError("BPE merge \(rank): \"\(b)\" is not in the vocabulary")
            }
            // The merged token is `a` + `b` without the continuation prefix's bytes.
            let merged = a + String(decoding: Array(b.utf8).dropFirst(prefixBytes), as: UTF8.self)
            guard let id = vocabulary[ExactString(merged)] else {
                throw TokenizerError("BPE merge \(rank): \"\(merged)\" is not in the vocabulary")
            }
            // A repeated pair keeps its last rank, as the reference's map does.
            merges[pairKey(Int32(left), Int32(right))] = (Int32(rank), Int32(id))
        }
        self.merges = merges
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.endOfWordSuffix = endOfWordSuffix
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
    }

    var vocabularySize: Int { vocabulary.count }

    func tokenToId(_ token: String) -> Int? { vocabulary[ExactString(token)] }

    func idToToken(_ id: Int) -> String? {
        id >= 0 && id < tokensById.count ? tokensById[id] : sparseTokens[id]
    }

    func tokenize(_ word: [Unicode.Scalar]) throws -> [Token] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocabulary[ExactString(String(scalars: word))] {
            return [Token(id: id, value: idToToken(id)!, start: 0, end: word.count)]
        }
        let pieces: [ModelPiece]
        if let cached = cache.get(word) {
            pieces = cached
        } else {
            pieces = try mergeWord(word)
            if word.count < 256 { cache.set(word, pieces) }
        }
        return pieces.map {
            Token(id: Int($0.id), value: idToToken(Int($0.id))!, start: Int($0.start), end: Int($0.end))
        }
    }

    /// `BPE::merge_word`: one symbol per character (or its byte tokens, or the unknown token),
    /// then every applicable merge.
    private func mergeWord(_ word: [Unicode.Scalar]) throws -> [ModelPiece] {
        var symbols = [ModelPiece]()
        symbols.reserveCapacity(word.count)
        var unknown: ModelPiece?
        let plain = continuingSubwordPrefix == nil && endOfWordSuffix == nil
        for index in 0..<word.count {
            let scalar = word[index]
            var id: Int32?
            var text: String?
            if plain {
                id = scalarIds[scalar.value]
            } else {
                var piece = String(scalar)
                if index > 0, let prefix = continuingSubwordPrefix { piece = prefix + piece }
                if index == word.count - 1, let suffix = endOfWordSuffix { piece += suffix }
                id = vocabulary[ExactString(piece)].map(Int32.init)
                text = piece
            }
            let start = Int32(index)
            if let id {
                if let pending = unknown {
                    symbols.append(pending)
                    unknown = nil
                }
                symbols.append(ModelPiece(id: id, start: start, end: start + 1))
                continue
            }
            if byteFallback {
                let bytes = Array((text ?? String(scalar)).utf8)
                if bytes.allSatisfy({ byteIds[Int($0)] >= 0 }) {
                    // Each byte token covers the whole character, as the reference's byte
                    // offsets map back to it.
                    for byte in bytes {
                        symbols.append(ModelPiece(id: byteIds[Int(byte)], start: start, end: start + 1))
                    }
                    continue
                }
            }
            guard let unknownToken else { continue }
            guard let unknownId = vocabulary[ExactString(unknownToken)] else {
                throw TokenizerError("BPE: the unk_token \"\(unknownToken)\" is not in the vocabulary")
            }
            if var pending = unknown {
                if fuseUnknown {
                    pending.end = start + 1
                    unknown = pending
                    continue
                }
                symbols.append(pending)
            }
            unknown = ModelPiece(id: Int32(unknownId), start: start, end: start + 1)
        }
        if let pending = unknown { symbols.append(pending) }
        return applyMerges(symbols)
    }

    /// `Word::merge_all`: a priority queue of candidate merges by (rank, position); stale
    /// entries are recognised by the pair no longer producing the same token.
    private func applyMerges(_ initial: [ModelPiece]) -> [ModelPiece] {
        if initial.count < 2 { return initial }
        var symbols = initial
        let count = symbols.count
        var previous = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = Int32(index - 1) }
            initialized = count
        }
        var next = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = index + 1 < count ? Int32(index + 1) : -1 }
            initialized = count
        }
        var removed = [Bool](repeating: false, count: count)
        var queue = MergeQueue()
        for index in 0..<(count - 1) {
            if let merge = merges[pairKey(symbols[index].id, symbols[index + 1].id)] {
                queue.push(MergeCandidate(rank: merge.rank, position: Int32(index), id: merge.id))
            }
        }
        while let top = queue.pop() {
            let position = Int(top.position)
            if removed[position] { continue }
            let right = Int(next[position])
            if right < 0 { continue }
            guard let merge = merges[pairKey(symbols[position].id, symbols[right].id)], merge.id == top.id
            else {
                continue
            }
            symbols[position].id = top.id
            symbols[position].end = symbols[right].end
            let after = next[right]
            next[position] = after
            removed[right] = true
            if after >= 0 { previous[Int(after)] = Int32(position) }
            let before = previous[position]
            if before >= 0, let merge = merges[pairKey(symbols[Int(before)].id, top.id)] {
                queue.push(MergeCandidate(rank: merge.rank, position: before, id: merge.id))
            }
            if after >= 0, let merge = merges[pairKey(top.id, symbols[Int(after)].id)] {
                queue.push(MergeCandidate(rank: merge.rank, position: Int32(position), id: merge.id))
            }
        }
        var result = [ModelPiece]()
        result.reserveCapacity(count)
        for index in 0..<count where !removed[index] { result.append(symbols[index]) }
        return result
    }
}

/// A model's token as an id and a scalar range, before its string is attached.
struct ModelPiece: Sendable {
    var id: Int32
    var start: Int32
    var end: Int32
}

@inline(__always)
private func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
}

/// The byte-fallback token of a byte: `<0x0A>`.
func byteToken(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF".unicodeScalars)
    var text = "<0x"
    text.unicodeScalars.append(digits[Int(byte >> 4)])
    text.unicodeScalars.append(digits[Int(byte & 15)])
    text += ">"
    return text
}

private struct MergeCandidate {
    var rank: Int32
    var position: Int32
    var id: Int32

    /// Lower rank first, then leftmost, as the reference's heap orders them.
    @inline(__always)
    func precedes(_ other: MergeCandidate) -> Bool {
        rank != other.rank ? rank < other.rank : position < other.position
    }
}

/// A binary min-heap of merge candidates.
private struct MergeQueue {
    private var items = [MergeCandidate]()

    mutating func push(_ item: MergeCandidate) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> MergeCandidate? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= items.count { break }
            var best = left
            if left + 1 < items.count && items[left + 1].precedes(items[left]) { best = left + 1 }
            guard items[best].precedes(items[parent]) else { break }
            items.swapAt(best, parent)
            parent = best
        }
        return first
    }
}

/// A bounded cache of model results per word, shared by the threads that use the tokenizer
/// (the reference keeps 10,000 words).
///
/// The table is guarded by a pthread mutex (`NSLock`) rather than `Mutex`, whose uncontended
/// path ThreadSanitizer cannot see on Linux (it reported these guarded accesses as a race).
final class WordCache<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var table: [[Unicode.Scalar]: Value] = [:]
    private let capacity = 10_000

    func get(_ word: [Unicode.Scalar]) -> Value? {
        lock.withLock { table[word] }
    }

    func set(_ word: [Unicode.Scalar], _ value: Value) {
        lock.withLock {
            if table.count < capacity { table[word] = value }
        }
    }
}

extension String {
    /// A string made of exactly these scalars.
    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self = String(view)
    }
}
