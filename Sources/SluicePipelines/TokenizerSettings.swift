import Foundation
import SluiceJSON
import SluiceModels
import SluiceTokenizers

/// The tokenizer of a model folder as `transformers.AutoTokenizer` sets it up: `tokenizer.json`
/// plus `tokenizer_config.json` / `special_tokens_map.json` for the special tokens, the length
/// limit and the decode clean-up.
public struct PipelineTokenizer: Sendable {
    /// The `tokenizer.json` tokenizer, with truncation and padding cleared as transformers
    /// clears them on a call that asks for neither.
    public internal(set) var tokenizer: Tokenizer
    /// `mask_token`'s id, if the tokenizer has one.
    public let maskTokenId: Int?
    /// `mask_token` as text.
    public let maskToken: String?
    /// `cls_token`'s id, if any (question answering lets answers point at it).
    public let clsTokenId: Int?
    /// `pad_token`'s id, if any.
    public let padTokenId: Int?
    /// `model_max_length`.
    public let modelMaxLength: Int?
    /// `clean_up_tokenization_spaces` (default false, as in transformers 5).
    public let cleanUpTokenizationSpaces: Bool
    /// `unk_token`'s id, if any.
    public let unkTokenId: Int?
    /// The model's `continuing_subword_prefix` (`##` for WordPiece), when it has a non-empty one:
    /// token classification then tells word pieces by their length.
    public let continuingSubwordPrefix: String?
    /// Whether transformers' tokenizer returns `token_type_ids` (its `model_input_names`): the
    /// model sees all-zero types otherwise.
    public let returnsTokenTypeIds: Bool
    /// The `decoder` section of `tokenizer.json`, for joining token strings.
    let tokenDecoder: TokenStringDecoder

    /// Loads the tokenizer files of `folder`.
    public init(folder: ModelFolder) throws {
        guard folder.has("tokenizer.json") else {
            throw PipelineError.load("\(folder.url.path) has no tokenizer.json")
        }
        var tokenizer: Tokenizer
        do { tokenizer = try Tokenizer(contentsOf: folder.file("tokenizer.json")) } catch {
            throw PipelineError.load("\(folder.file("tokenizer.json").path): \(error)")
        }
        tokenizer.truncation = nil
        tokenizer.padding = nil
        self.tokenizer = tokenizer
        let config = Self.readObject(folder, "tokenizer_config.json")
        let specialMap = Self.readObject(folder, "special_tokens_map.json")
        func special(_ key: String) -> String? {
            Self.tokenText(config[key]) ?? Self.tokenText(specialMap[key])
        }
        maskToken = special("mask_token")
        maskTokenId = maskToken.flatMap { tokenizer.tokenToId($0) }
        clsTokenId = special("cls_token").flatMap { tokenizer.tokenToId($0) }
        padTokenId = special("pad_token").flatMap { tokenizer.tokenToId($0) }
        if let length = config["model_max_length"]?.doubleValue, length < 1e12 {
            modelMaxLength = Int(length)
        } else {
            modelMaxLength = nil
        }
        cleanUpTokenizationSpaces = config["clean_up_tokenization_spaces"]?.boolValue ?? false
        unkTokenId = special("unk_token").flatMap { tokenizer.tokenToId($0) }
        let file = (try? Data(contentsOf: folder.file("tokenizer.json"))).flatMap { try? JSONValue.parse($0) }
        if case .string(let prefix) = file?["model"]?["continuing_subword_prefix"], !prefix.isEmpty {
            continuingSubwordPrefix = prefix
        } else {
            continuingSubwordPrefix = nil
        }
        tokenDecoder = TokenStringDecoder(file?["decoder"] ?? .null)
        returnsTokenTypeIds = Self.returnsTokenTypeIds(config: config, folder: folder)
    }

    /// `model_input_names` from `tokenizer_config.json`, else the default of the class
    /// `tokenizer_class` names (or, without one, the class transformers 5 picks for the
    /// checkpoint's `model_type`): only BERT-style classes list `token_type_ids`; the generic
    /// `TokenizersBackend` / `PreTrainedTokenizerFast`, DistilBERT, MPNet and RoBERTa-style
    /// ones do not.
    static func returnsTokenTypeIds(config: JSONValue, folder: ModelFolder) -> Bool {
        if let names = config["model_input_names"]?.arrayValue {
            return names.contains(.string("token_type_ids"))
        }
        let withTypes: Set<String> = [
            "BertTokenizer", "ElectraTokenizer", "FNetTokenizer", "DebertaTokenizer", "DebertaV2Tokenizer",
            "LayoutLMTokenizer", "SqueezeBertTokenizer", "FunnelTokenizer", "ConvBertTokenizer",
            "RoFormerTokenizer", "MobileBertTokenizer", "LxmertTokenizer", "CanineTokenizer",
        ]
        if var name = config["tokenizer_class"]?.stringValue {
            if name.hasSuffix("Fast") { name.removeLast(4) }
            return withTypes.contains(name)
        }
        let modelType = readObject(folder, "config.json")["model_type"]?.stringValue ?? "bert"
        return ["bert", "electra"].contains(modelType)
    }

    /// `convert_tokens_to_string`: token strings joined by the file's decoder (a space between
    /// tokens when it has none).
    public func convertTokensToString(_ tokens: [String]) -> String {
        tokenDecoder.decode(tokens)
    }

    private static func readObject(_ folder: ModelFolder, _ name: String) -> JSONValue {
        guard let data = try? Data(contentsOf: folder.file(name)), let object = try? JSONValue.parse(data),
            case .object = object
        else { return .object([]) }
        return object
    }

    /// A special token is written either as a string or as an `AddedToken` object.
    private static func tokenText(_ value: JSONValue?) -> String? {
        value?.stringValue ?? value?["content"]?.stringValue
    }

    /// Truncates encodings to `maxLength` tokens, longest sequence first, from the right.
    mutating func setTruncation(maxLength: Int) {
        tokenizer.truncation = TruncationParameters(
            maxLength: maxLength, stride: 0, strategy: .longestFirst, direction: .right)
    }

    /// `tokenizer.decode(ids, skip_special_tokens:)` as transformers does it.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        let text = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        return cleanUpTokenizationSpaces ? Self.cleanUpTokenization(text) : text
    }

    /// transformers' `clean_up_tokenization`: removes the space before punctuation and
    /// English contractions.
    static func cleanUpTokenization(_ text: String) -> String {
        var t = text
        for (from, to) in [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ] {
            t = t.replacingOccurrences(of: from, with: to)
        }
        return t
    }
}
