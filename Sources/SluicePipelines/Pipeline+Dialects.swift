import SluiceTokenizers

/// One token of a text as the tokenizer cuts it, as TEI's `/tokenize` answers it.
public struct TokenSpan: Sendable, Equatable {
    /// The token id.
    public let id: Int
    /// The text the token covers; for a special token, the token as the vocabulary writes it.
    public let text: String
    /// Whether the tokenizer marks it special (added by the post-processor).
    public let special: Bool
    /// The UTF-8 byte range of the text it covers; nil for a special token.
    public let bytes: Range<Int>?
}

/// What the API dialects read of a loaded pipeline besides its tasks: class names, prompts,
/// pooling, and the tokenizer on its own.
extension Pipeline {
    /// Class names by index (`id2label`, or `LABEL_i`).
    public var labels: [String] { context.labels }

    /// The sentence-transformers prompts by name (`config_sentence_transformers.json`), empty for
    /// a folder without them.
    public var prompts: [String: String] { sentenceModules?.prompts ?? [:] }

    /// The prompt used when a request names none, if the folder sets one.
    public var defaultPromptName: String? { sentenceModules?.defaultPromptName }

    /// How a sentence embedding pools its tokens, in TEI's words (`cls`, `mean`, `last_token`,
    /// `splade`, or sentence-transformers' name for the others); nil when the model gives no
    /// pooled embeddings.
    public var poolingName: String? {
        guard let modes = sentenceModules?.poolingModes else {
            return tasks.contains(.sparseEmbeddings) ? "splade" : nil
        }
        return modes.map { mode in
            switch mode {
            case .lastToken: return "last_token"
            default: return mode.rawValue
            }
        }.joined(separator: "+")
    }

    /// The tokens of `text` with their byte ranges, never truncated, the special tokens added
    /// unless `addSpecialTokens` is false.
    public func tokenSpans(of text: String, addSpecialTokens: Bool) throws -> [TokenSpan] {
        var tokenizer = self.tokenizer.tokenizer
        tokenizer.truncation = nil
        let encoding: Encoding
        do { encoding = try tokenizer.encode(text, addSpecialTokens: addSpecialTokens) } catch {
            throw PipelineError.validation("cannot tokenize the input: \(error)")
        }
        // Offsets count Unicode scalars; TEI's count UTF-8 bytes.
        let scalars = Array(text.unicodeScalars)
        var byteOffsets = [0]
        byteOffsets.reserveCapacity(scalars.count + 1)
        for scalar in scalars { byteOffsets.append(byteOffsets.last! + UTF8.width(scalar)) }
        return encoding.ids.indices.map { i in
            if encoding.specialTokensMask[i] == 1 {
                return TokenSpan(id: encoding.ids[i], text: encoding.tokens[i], special: true, bytes: nil)
            }
            let offset = encoding.offsets[i]
            let start = min(offset.start, scalars.count)
            let end = min(max(offset.end, start), scalars.count)
            var covered = String.UnicodeScalarView()
            covered.append(contentsOf: scalars[start..<end])
            return TokenSpan(
                id: encoding.ids[i], text: String(covered), special: false,
                bytes: byteOffsets[start]..<byteOffsets[end])
        }
    }

    /// Token ids back to text, as the `tokenizers` library decodes them; ids outside the
    /// vocabulary are left out.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        tokenizer.tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    private var sentenceModules: SentenceTransformerModules? {
        implementations.lazy.compactMap { ($0 as? SentenceEmbeddingsPipeline)?.sentence }.first
    }
}
