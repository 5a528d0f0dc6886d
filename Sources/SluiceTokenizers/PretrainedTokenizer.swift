import Foundation
import SluiceJSON

/// The tokenizer of a model folder as `transformers.AutoTokenizer.from_pretrained` sets it up:
/// the tokenizer (`tokenizer.json`, or built from `vocab.txt`, `vocab.json` + `merges.txt` or a
/// SentencePiece model as `Tokenizer.load(folder:)` builds it), its special tokens from
/// `tokenizer_config.json` / `special_tokens_map.json`, the length limit, and the decoding
/// transformers does on top of the `tokenizers` library. Every file is read once.
public struct PretrainedTokenizer: Sendable {
    /// The tokenizer, with truncation and padding cleared as transformers clears them on a call
    /// that asks for neither.
    public internal(set) var tokenizer: Tokenizer
    /// Which files the tokenizer was built from.
    public let source: TokenizerSource
    /// `mask_token`'s id, if the tokenizer has one.
    public let maskTokenId: Int?
    /// `mask_token` as text.
    public let maskToken: String?
    /// `cls_token`'s id, if any (question answering lets answers point at it).
    public let clsTokenId: Int?
    /// `pad_token`'s id, if any.
    public let padTokenId: Int?
    /// `unk_token`'s id, if any.
    public let unkTokenId: Int?
    /// `model_max_length`, unless it is transformers' "no limit" (1e30 and the like).
    public let modelMaxLength: Int?
    /// `clean_up_tokenization_spaces` (default false, as in transformers 5).
    public let cleanUpTokenizationSpaces: Bool
    /// The model's `continuing_subword_prefix` (`##` for WordPiece), when it has a non-empty one:
    /// token classification then tells word pieces by their length.
    public let continuingSubwordPrefix: String?
    /// Whether transformers' tokenizer returns `token_type_ids` (its `model_input_names`): the
    /// model sees all-zero types otherwise.
    public let returnsTokenTypeIds: Bool

    /// Loads the tokenizer files of `folder`. `modelType` is `config.json`'s `model_type` (nil
    /// or empty: none, read as BERT), which picks the tokenizer class when
    /// `tokenizer_config.json` names none; the caller has read `config.json` already.
    public init(folder: URL, modelType: String?) throws {
        let settings = FolderSettings(folder: folder)
        let definition = try TokenizerDefinition(folder: folder, settings: settings)
        var tokenizer = try definition.makeTokenizer()
        tokenizer.truncation = nil
        tokenizer.padding = nil
        self.tokenizer = tokenizer
        source = definition.source
        let config = settings.config
        let modelType = modelType.flatMap { $0.isEmpty ? nil : $0 } ?? "bert"
        let defaults = Self.specialTokenDefaults(config: config, modelType: modelType)
        func text(_ key: String) -> String? { settings.specialTokenText(key) ?? defaults[key] }
        func id(_ key: String) -> Int? { text(key).flatMap { tokenizer.tokenToId($0) } }
        maskToken = text("mask_token")
        maskTokenId = id("mask_token")
        clsTokenId = id("cls_token")
        padTokenId = id("pad_token")
        unkTokenId = id("unk_token")
        if let length = config["model_max_length"]?.doubleValue, length < 1e12 {
            modelMaxLength = Int(length)
        } else {
            modelMaxLength = nil
        }
        cleanUpTokenizationSpaces = config["clean_up_tokenization_spaces"]?.boolValue ?? false
        continuingSubwordPrefix = tokenizer.continuingSubwordPrefix
        returnsTokenTypeIds = Self.returnsTokenTypeIds(config: config, modelType: modelType)
    }

    /// The special tokens a tokenizer class gives itself when the folder's configs name none:
    /// `DebertaV2Tokenizer.__init__`'s (`[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`, `[MASK]`), for a folder
    /// whose `tokenizer_class` is it or, naming none, whose `model_type` is `deberta-v2` (as
    /// microsoft/deberta-v3-base's `tokenizer_config.json` names no token at all).
    static func specialTokenDefaults(config: JSONValue, modelType: String) -> [String: String] {
        var name =
            config["tokenizer_class"]?.stringValue ?? (modelType == "deberta-v2" ? "DebertaV2Tokenizer" : "")
        if name.hasSuffix("Fast") { name.removeLast(4) }
        guard name == "DebertaV2Tokenizer" else { return [:] }
        return [
            "bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "[UNK]", "sep_token": "[SEP]",
            "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]",
        ]
    }

    /// `model_input_names` from `tokenizer_config.json`, else the default of the class
    /// `tokenizer_class` names (or, without one, the class transformers 5 picks for the
    /// checkpoint's `model_type`): only BERT-style classes (and DeBERTa's) list `token_type_ids`; the generic
    /// `TokenizersBackend` / `PreTrainedTokenizerFast`, DistilBERT, MPNet and RoBERTa-style
    /// ones do not.
    static func returnsTokenTypeIds(config: JSONValue, modelType: String) -> Bool {
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
        return ["bert", "electra", "deberta", "deberta-v2"].contains(modelType)
    }

    /// `tokenizer.decode(ids, skip_special_tokens:)` as transformers does it: the `tokenizers`
    /// decode, then transformers' clean-up when `clean_up_tokenization_spaces` is set.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        let text = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
        return cleanUpTokenizationSpaces ? Self.cleanUpTokenization(text) : text
    }

    /// `convert_tokens_to_string`: token strings joined by the tokenizer's decoder (with spaces
    /// when it has none).
    public func convertTokensToString(_ tokens: [String]) -> String {
        tokenizer.convertTokensToString(tokens)
    }

    /// Truncates encodings to `maxLength` tokens, longest sequence first, from the right.
    public mutating func setTruncation(maxLength: Int) {
        tokenizer.truncation = TruncationParameters(
            maxLength: maxLength, stride: 0, strategy: .longestFirst, direction: .right)
    }

    /// The same tokenizer truncating (longest first, from the right) to `maxLength` tokens,
    /// as sentence-transformers calls it.
    public func truncating(to maxLength: Int) -> PretrainedTokenizer {
        var copy = self
        copy.setTruncation(maxLength: maxLength)
        return copy
    }

    /// transformers' `clean_up_tokenization`: removes the space before punctuation and
    /// English contractions (unlike the WordPiece decoder's clean-up, it keeps "do not"). Python's
    /// `str.replace`, so compared by code points.
    static func cleanUpTokenization(_ text: String) -> String {
        text.replacingAll(cleanup)
    }

    private static let cleanup = ScalarReplacements([
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ])
}
