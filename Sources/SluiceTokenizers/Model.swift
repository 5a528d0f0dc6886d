/// The model turns one pre-tokenized word into tokens (WordPiece today; BPE, Unigram and
/// WordLevel fit the same shape).
protocol TokenizationModel: Sendable {
    /// Tokens for one word; offsets are normalized scalar ranges inside `word`.
    func tokenize(_ word: [Unicode.Scalar]) throws -> [Token]
    func tokenToId(_ token: String) -> Int?
    func idToToken(_ id: Int) -> String?
    var vocabularySize: Int { get }
}

/// Builds the model that a `tokenizer.json` `model` section describes.
func makeModel(_ value: JSONValue, path: String) throws -> any TokenizationModel {
    let json = try JSONObject(value, path: path)
    // The reference accepts a WordPiece model without "type" for backward compatibility.
    let type = try json.optionalString("type") ?? (json.has("continuing_subword_prefix") ? "WordPiece" : "")
    switch type {
    case "WordPiece":
        return try WordPiece(json: json)
    default:
        throw TokenizerError("\(path): unsupported model type \"\(type)\"")
    }
}
