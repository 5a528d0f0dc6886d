import Foundation
import SluiceJSON
import SluiceTensors

/// The fields of a DeBERTa-v2 `config.json` only this family reads, with `DebertaV2Config`'s
/// defaults and the `getattr` defaults of the modules that read them (`DisentangledSelfAttention`,
/// `DebertaV2Encoder`, `ConvLayer`, `ContextPooler`, `DebertaV2ForMaskedLM`). A value Sluice
/// does not compute as transformers does is refused here, naming the field.
struct DebertaV2Settings: FamilySettings {
    /// `relative_attention` (default false): the encoder's relative position table and the
    /// position terms of `pos_att_type` exist only when it is set.
    var relativeAttention = false
    /// `"c2p" in pos_att_type`: content-to-position scores.
    var contentToPosition = false
    /// `"p2c" in pos_att_type`: position-to-content scores.
    var positionToContent = false
    /// `position_buckets` (`-1`: relative positions are not bucketed).
    var positionBuckets = -1
    /// `max_relative_positions`, or `max_position_embeddings` when below 1, as the encoder and
    /// the attention both read it.
    var maxRelativePositions = 512
    /// `share_att_key`: positions projected by the layer's own query and key projections.
    var shareAttentionKey = false
    /// `"layer_norm" in norm_rel_ebd`: the relative table goes through `encoder.LayerNorm`.
    var normalizesRelativeEmbeddings = false
    /// `position_biased_input` (default true): absolute position embeddings added to the words.
    var positionBiasedInput = true
    /// `conv_kernel_size` (0: no `ConvLayer`), `conv_groups`, and `conv_act` as a head step.
    var convolutionKernel = 0
    var convolutionGroups = 1
    var convolutionActivation = HeadStep.tanh
    /// `ContextPooler`'s `pooler_hidden_act`.
    var poolerActivation = HeadStep.activation(.gelu)
    /// `legacy` (default true): `DebertaV2ForMaskedLM` reads `cls.predictions`; false,
    /// `lm_predictions.lm_head`.
    var legacyMaskedLM = true

    /// The relative table's half height: `position_buckets` when bucketed, else
    /// `max_relative_positions` (the attention's `pos_ebd_size`, its `att_span`).
    var attentionSpan: Int { positionBuckets > 0 ? positionBuckets : maxRelativePositions }

    /// The scores are divided by `√(headDim · scaleFactor)`, one factor for the content term and
    /// one per position term named, whether or not `relative_attention` computes them.
    var scaleFactor: Int { 1 + (contentToPosition ? 1 : 0) + (positionToContent ? 1 : 0) }

    init(_ config: EncoderConfig, path: String) throws {
        let json = config.json
        let fields = ConfigFields(json: json, path: path)
        let bool = fields.bool
        let int = fields.int
        relativeAttention = try bool("relative_attention", false)
        for kind in try Self.names(json["pos_att_type"], key: "pos_att_type", path: path) {
            switch kind {
            case "c2p": contentToPosition = true
            case "p2c": positionToContent = true
            default:
                throw ModelError(
                    "\(path): pos_att_type \"\(kind)\" is not supported (supported: c2p, p2c; transformers computes no other term)"
                )
            }
        }
        positionBuckets = try int("position_buckets", -1)
        let maxRelative = try int("max_relative_positions", -1)
        maxRelativePositions = maxRelative < 1 ? config.maxPositionEmbeddings : maxRelative
        shareAttentionKey = try bool("share_att_key", false)
        for kind in try Self.names(json["norm_rel_ebd"] ?? .string("none"), key: "norm_rel_ebd", path: path) {
            switch kind {
            case "layer_norm": normalizesRelativeEmbeddings = true
            case "none": break
            default:
                throw ModelError(
                    "\(path): norm_rel_ebd \"\(kind)\" is not supported (supported: layer_norm, none)")
            }
        }
        positionBiasedInput = try bool("position_biased_input", true)
        convolutionKernel = try int("conv_kernel_size", 0)
        if convolutionKernel > 0 {
            // transformers pads by (k − 1) / 2 each side: an even kernel would drop a row.
            guard convolutionKernel % 2 == 1 else {
                throw ModelError(
                    "\(path): conv_kernel_size \(convolutionKernel) is not supported (supported: odd sizes, which keep the sequence length)"
                )
            }
            convolutionGroups = try int("conv_groups", 1)
            guard convolutionGroups > 0, config.hiddenSize % convolutionGroups == 0 else {
                throw ModelError(
                    "\(path): conv_groups \(convolutionGroups) does not divide hidden_size \(config.hiddenSize)"
                )
            }
            convolutionActivation = try Self.step(json, "conv_act", "tanh", path: path)
        }
        poolerActivation = try Self.step(json, "pooler_hidden_act", "gelu", path: path)
        legacyMaskedLM = try bool("legacy", true)
        // One bucket has a middle of 0, which make_log_bucket_position divides by.
        if positionBuckets == 1 {
            throw ModelError(
                "\(path): position_buckets 1 is not supported (supported: 2 or more, or -1 for none)")
        }
        if relativeAttention, attentionSpan < 1 {
            throw ModelError("\(path): the relative position table must have at least one row")
        }
        for key in ["attention_head_size", "pooler_hidden_size"] {
            let expected = key == "attention_head_size" ? config.headDim : config.hiddenSize
            if let value = json[key], !value.isNull, value.integralValue != expected {
                throw ModelError(
                    "\(path): \(key) \(value.pythonJSON) differs from \(expected); not supported (transformers' heads read hidden_size)"
                )
            }
        }
    }

    /// A list of names, or one string of names split at `|` (transformers 4's
    /// `"p2c|c2p"`), lower-cased and trimmed as `DebertaV2Config` and the encoder read them.
    private static func names(_ value: JSONValue?, key: String, path: String) throws -> [String] {
        guard let value, !value.isNull else { return [] }
        if let text = value.stringValue {
            return text.lowercased().split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        guard let list = value.arrayValue?.map(\.stringValue), !list.contains(nil) else {
            throw ModelError("\(path): \(key) must be a list of names, found \(value.pythonJSON)")
        }
        return list.compactMap { $0 }
    }

    /// `ACT2FN[name]` as a row-wise step: `tanh`, or one of the activations the kernels have.
    private static func step(
        _ json: JSONValue, _ key: String, _ fallback: String, path: String
    ) throws
        -> HeadStep
    {
        let name = json[key]?.stringValue ?? fallback
        if name == "tanh" { return .tanh }
        guard let activation = Activation(rawValue: name) else {
            let known = (["tanh"] + Activation.allCases.map(\.rawValue)).joined(separator: ", ")
            throw ModelError("\(path): \(key) \"\(name)\" is not supported (supported: \(known))")
        }
        return .activation(activation)
    }
}
