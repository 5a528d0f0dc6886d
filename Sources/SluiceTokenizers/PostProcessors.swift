import SluiceJSON

/// A post-processor adds the model's special tokens around the encoded text(s) and merges a
/// pair into one encoding.
protocol PostProcessor: Sendable {
    /// How many tokens `process` adds, which truncation reserves room for.
    func addedTokenCount(isPair: Bool) -> Int
    /// Turns the per-text encodings (1 or 2) into the encodings to merge, in order.
    func processEncodings(_ encodings: [RawEncoding], addSpecialTokens: Bool) -> [RawEncoding]
}

extension PostProcessor {
    /// The reference's `PostProcessor::process`: number the sequences, then merge.
    func process(_ encoding: RawEncoding, pair: RawEncoding?, addSpecialTokens: Bool) -> RawEncoding {
        var encodings = [encoding]
        if let pair { encodings.append(pair) }
        for index in encodings.indices {
            encodings[index].setSequenceId(index)
            for overflow in encodings[index].overflowing.indices {
                encodings[index].overflowing[overflow].setSequenceId(index)
            }
            encodings[index].setTypeIds(index)
        }
        return RawEncoding.merge(processEncodings(encodings, addSpecialTokens: addSpecialTokens))
    }
}

/// What the reference does without a post-processor: a pair is merged with sequence ids.
func processWithoutPostProcessor(_ encoding: RawEncoding, pair: RawEncoding?) -> RawEncoding {
    guard let pair else { return encoding }
    var result = RawEncoding()
    for (index, var part) in [encoding, pair].enumerated() {
        part.setSequenceId(index)
        result.merge(with: part, growingOffsets: false)
    }
    return result
}

/// Builds the post-processor that a `tokenizer.json` `post_processor` section describes.
func makePostProcessor(_ value: JSONValue, path: String) throws -> any PostProcessor {
    try makeComponent(
        value, path: path, section: "post_processor",
        sequence: ("processors", { SequencePostProcessor(processors: $0) })
    ) { type, json in
        switch type {
        case "TemplateProcessing":
            return try TemplateProcessing(json: json)
        case "BertProcessing":
            return try BertProcessing(json: json)
        case "RobertaProcessing":
            return try RobertaProcessing(json: json)
        case "ByteLevel":
            return ByteLevelProcessing(
                trimOffsets: try json.bool("trim_offsets", default: true),
                addPrefixSpace: try json.bool("add_prefix_space", default: true))
        default:
            return nil
        }
    }
}

/// Adds special tokens following a template such as `[CLS] $A [SEP] $B:1 [SEP]:1`.
/// Mirrors `tokenizers::processors::template::TemplateProcessing`.
struct TemplateProcessing: PostProcessor {
    enum Piece: Sendable {
        case sequence(isPair: Bool, typeId: Int)
        case specialToken(name: String, typeId: Int)
    }

    struct SpecialToken: Sendable {
        var ids: [Int]
        var tokens: [String]
    }

    var single: [Piece]
    var pair: [Piece]
    var specialTokens: [String: SpecialToken]

    init(json: JSONObject) throws {
        var specialTokens = [String: SpecialToken]()
        if json.has("special_tokens") {
            let map = try json.object("special_tokens")
            for (name, value) in map.members {
                let token = try JSONObject(value, path: "\(map.path)[\"\(name)\"]")
                let ids = try token.array("ids").enumerated().map { index, id -> Int in
                    guard let int = id.nonNegativeInt else {
                        throw TokenizerError("\(token.path).ids[\(index)] must be a token id")
                    }
                    return int
                }
                let tokens = try token.array("tokens").enumerated().map { index, text -> String in
                    guard case .string(let string) = text else {
                        throw TokenizerError("\(token.path).tokens[\(index)] must be a string")
                    }
                    return string
                }
                guard ids.count == tokens.count else {
                    throw TokenizerError("\(token.path): ids and tokens must have the same length")
                }
                specialTokens[name] = SpecialToken(ids: ids, tokens: tokens)
            }
        }
        self.specialTokens = specialTokens
        single = try Self.pieces(try json.array("single"), path: "\(json.path).single")
        pair = try Self.pieces(try json.array("pair"), path: "\(json.path).pair")
        for piece in single + pair {
            if case .specialToken(let name, _) = piece, specialTokens[name] == nil {
                throw TokenizerError(
                    "\(json.path): the template uses \"\(name)\", missing from special_tokens")
            }
        }
    }

    private static func pieces(_ values: [JSONValue], path: String) throws -> [Piece] {
        try values.enumerated().map { index, value in
            let piece = try JSONObject(value, path: "\(path)[\(index)]")
            if piece.has("Sequence") {
                let body = try piece.object("Sequence")
                let id = try body.string("id")
                guard id == "A" || id == "B" else {
                    throw TokenizerError("\(body.path).id must be \"A\" or \"B\"")
                }
                return .sequence(isPair: id == "B", typeId: try body.int("type_id"))
            }
            if piece.has("SpecialToken") {
                let body = try piece.object("SpecialToken")
                return .specialToken(name: try body.string("id"), typeId: try body.int("type_id"))
            }
            throw TokenizerError("\(piece.path) must be a Sequence or a SpecialToken")
        }
    }

    func addedTokenCount(isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { count, piece in
            if case .specialToken(let name, _) = piece {
                return count + (specialTokens[name]?.ids.count ?? 0)
            }
            return count
        }
    }

    func processEncodings(_ encodings: [RawEncoding], addSpecialTokens: Bool) -> [RawEncoding] {
        var encodings = encodings
        let template = encodings.count == 2 ? pair : single
        var result = [RawEncoding]()
        for piece in template {
            switch piece {
            case .sequence(let isPair, let typeId):
                let index = isPair ? 1 : 0
                guard index < encodings.count else { continue }
                encodings[index].setTypeIds(typeId)
                encodings[index].setSequenceId(index)
                result.append(encodings[index])
            case .specialToken(let name, let typeId):
                guard addSpecialTokens, let token = specialTokens[name] else { continue }
                let count = token.ids.count
                result.append(
                    RawEncoding(
                        ids: token.ids, typeIds: Array(repeating: typeId, count: count),
                        tokens: token.tokens, words: Array(repeating: nil, count: count),
                        offsets: Array(repeating: TokenOffset(start: 0, end: 0), count: count),
                        specialTokensMask: Array(repeating: 1, count: count),
                        attentionMask: Array(repeating: 1, count: count)))
            }
        }
        return result
    }
}

/// BERT's original post-processor: `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]`.
/// Mirrors `tokenizers::processors::bert::BertProcessing`.
struct BertProcessing: PostProcessor {
    var sep: (token: String, id: Int)
    var cls: (token: String, id: Int)

    init(json: JSONObject) throws {
        sep = try Self.tokenAndId(json, "sep")
        cls = try Self.tokenAndId(json, "cls")
    }

    static func tokenAndId(_ json: JSONObject, _ key: String) throws -> (String, Int) {
        let value = try json.array(key)
        guard value.count == 2, case .string(let token) = value[0], let id = value[1].nonNegativeInt else {
            throw TokenizerError("\(json.path).\(key) must be [token, id]")
        }
        return (token, id)
    }

    func addedTokenCount(isPair: Bool) -> Int { isPair ? 3 : 2 }

    func processEncodings(_ encodings: [RawEncoding], addSpecialTokens: Bool) -> [RawEncoding] {
        guard addSpecialTokens else { return encodings }
        return encodings.enumerated().map { index, encoding in
            var result = wrap(encoding, isFirst: index == 0)
            result.overflowing = encoding.overflowing.map { wrap($0, isFirst: index == 0) }
            return result
        }
    }

    private func wrap(_ encoding: RawEncoding, isFirst: Bool) -> RawEncoding {
        let none: [Int?] = [nil]
        let zero = [TokenOffset(start: 0, end: 0)]
        var result: RawEncoding
        if isFirst {
            result = RawEncoding(
                ids: [cls.id] + encoding.ids + [sep.id], typeIds: [0] + encoding.typeIds + [0],
                tokens: [cls.token] + encoding.tokens + [sep.token], words: none + encoding.words + none,
                offsets: zero + encoding.offsets + zero,
                specialTokensMask: [1] + Array(repeating: 0, count: encoding.count) + [1],
                attentionMask: Array(repeating: 1, count: encoding.count + 2))
            result.sequenceRanges = [0: 1..<(encoding.count + 1)]
        } else {
            result = RawEncoding(
                ids: encoding.ids + [sep.id], typeIds: encoding.typeIds + [1],
                tokens: encoding.tokens + [sep.token], words: encoding.words + none,
                offsets: encoding.offsets + zero,
                specialTokensMask: Array(repeating: 0, count: encoding.count) + [1],
                attentionMask: Array(repeating: 1, count: encoding.count + 1))
            result.sequenceRanges = [1: 0..<encoding.count]
        }
        return result
    }
}
