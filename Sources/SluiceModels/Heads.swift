import Foundation
import SluiceTensors

/// A task head on top of an encoder. Every supported head is a function of one hidden-state
/// row at a time, so a head computes only the rows a task needs: the masked positions for
/// the masked LM, the first token of each sequence for sequence classification, every token
/// for token classification and question answering.
public protocol EncoderHead: Sendable {
    /// Which head this is.
    var kind: HeadKind { get }
    /// The transformers class whose weights and computation this head mirrors, such as
    /// `RobertaClassificationHead`.
    var reference: String { get }
    /// Values per output row: the vocabulary size (masked LM), `num_labels` (classification),
    /// or 2 (question answering: start logit, then end logit).
    var outputWidth: Int { get }
    /// `[rows.count, outputWidth]` logits for the given rows of `hidden`.
    func logits(_ hidden: HiddenStates, rows: [Int]) -> [Float]
    /// How the head reads a whole sequence when it answers once per sequence (sequence
    /// classification): its first token, its last, or the mean of its rows.
    var pooling: SequencePooling { get }
}

/// How a sequence-level head reads one sequence.
public enum SequencePooling: String, Sendable {
    /// The first token's row (`[CLS]`, `<s>`), as most families' classifiers read it.
    case first = "cls"
    /// The mean of every row of the sequence (ModernBERT's `classifier_pooling: mean`).
    case mean
    /// The last token that is not `pad_token_id`, as `GenericForSequenceClassification` picks
    /// `last_non_pad_token` (Qwen3's classifiers and rerankers): see `lastRow`.
    case last

    /// Where `.last` reads a sequence of `ids`: the offset of its last id other than
    /// `padTokenId`, 0 when every id is one (the reference's argmax of zeros), the last offset
    /// when the config has no pad token. transformers looks at the ids, not at the attention
    /// mask, so a sequence that ends in the pad token's id (an `<|endoftext|>` a template
    /// appended, where it is also the pad token) is read before it, alone or batched.
    public static func lastRow(_ ids: some BidirectionalCollection<Int>, padTokenId: Int?) -> Int {
        guard let padTokenId else { return max(ids.count - 1, 0) }
        guard let last = ids.lastIndex(where: { $0 != padTokenId }) else { return 0 }
        return ids.distance(from: ids.startIndex, to: last)
    }
}

extension EncoderHead {
    public var pooling: SequencePooling { .first }

    /// `[sequences, outputWidth]`: the head once per sequence of `hidden`, on the row
    /// `pooling` makes of it (for `.last`, without the ids: each sequence's last row).
    public func sequenceLogits(_ hidden: HiddenStates) -> [Float] {
        switch pooling {
        case .first: return logits(hidden, rows: hidden.sequences.map(\.lowerBound))
        case .last:
            return logits(hidden, rows: hidden.sequences.map { max($0.upperBound - 1, $0.lowerBound) })
        case .mean: return logits(hidden.meanPooled(), rows: Array(hidden.sequences.indices))
        }
    }

    /// `[tokens, outputWidth]`: the head on every token (token classification, question
    /// answering).
    public func everyTokenLogits(_ hidden: HiddenStates) -> [Float] {
        logits(hidden, rows: Array(0..<hidden.tokenCount))
    }
}

/// One step of a row-wise head.
enum HeadStep: Sendable {
    case linear(Linear)
    case activation(Activation)
    case tanh
    case layerNorm(LayerNorm)

    var outputWidth: Int? {
        switch self {
        case .linear(let linear): return linear.outFeatures
        case .layerNorm(let norm): return norm.width
        case .activation, .tanh: return nil
        }
    }
}

/// A head as a chain of row-wise steps (linear layers, activations, layer norms), run over the
/// gathered rows only. Dropout is the identity at inference and has no step.
struct RowHead: EncoderHead {
    let kind: HeadKind
    let reference: String
    let steps: [HeadStep]
    let inputWidth: Int
    /// What its activation steps compute on (its linear layers and norms hold their own).
    let runtime: ComputeRuntime
    var pooling = SequencePooling.first

    var outputWidth: Int { steps.compactMap(\.outputWidth).last ?? inputWidth }

    func logits(_ hidden: HiddenStates, rows: [Int]) -> [Float] {
        let m = rows.count
        guard m > 0 else { return [] }
        precondition(
            hidden.hidden == inputWidth, "head expects \(inputWidth)-wide rows, got \(hidden.hidden)")
        let widest = max(inputWidth, steps.compactMap(\.outputWidth).max() ?? 0)
        var current = Scratch(m * widest)
        var next = Scratch(m * widest)
        hidden.values.withUnsafeBufferPointer { values in
            for (i, row) in rows.enumerated() {
                (current.pointer + i * inputWidth).update(
                    from: values.baseAddress! + row * inputWidth, count: inputWidth)
            }
        }
        var width = inputWidth
        for step in steps {
            switch step {
            case .linear(let linear):
                linear.forward(current.pointer, rows: m, into: next.pointer)
                swap(&current, &next)
                width = linear.outFeatures
            case .activation, .tanh:
                step.apply(current.pointer, count: m * width, runtime: runtime)
            case .layerNorm(let norm):
                norm.forward(inPlace: current.pointer, rows: m)
            }
        }
        return Array(UnsafeBufferPointer(start: current.pointer, count: m * width))
    }
}

extension HeadStep {
    /// Applies an activation step (`.tanh`, `.activation`) in place to `count` values; other
    /// steps are not element-wise and do nothing here.
    func apply(_ x: UnsafeMutablePointer<Float>, count: Int, runtime: ComputeRuntime) {
        switch self {
        case .activation(let activation): activation.apply(x, count: count, runtime: runtime)
        case .tanh: for i in 0..<count { x[i] = tanhf(x[i]) }
        case .linear, .layerNorm: break
        }
    }
}
