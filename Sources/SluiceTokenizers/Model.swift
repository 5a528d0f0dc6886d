import SluiceJSON

/// The model turns one pre-tokenized word into tokens (WordPiece, BPE, Unigram or WordLevel).
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
    let type = try json.optionalString("type") ?? legacyModelType(json)
    switch type {
    case "WordPiece":
        return try WordPiece(json: json)
    case "BPE":
        return try BPE(json: json)
    case "Unigram":
        return try Unigram(json: json)
    case "WordLevel":
        return try WordLevel(json: json)
    default:
        throw TokenizerError("\(path): unsupported model type \"\(type)\"")
    }
}

/// The reference accepts models without "type" (older files) and tells them apart by fields.
private func legacyModelType(_ json: JSONObject) -> String {
    if json.has("merges") { return "BPE" }
    if json.has("continuing_subword_prefix") { return "WordPiece" }
    if case .array = json["vocab"] { return "Unigram" }
    return json.has("vocab") ? "WordLevel" : ""
}
