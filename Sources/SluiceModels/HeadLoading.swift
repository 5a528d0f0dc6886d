import SluiceTensors

/// Loads the `kind` head of `config.family` from `weights`, as the family's file says
/// (`EncoderArchitecture.head`), with the reference's weight names.
///
/// A checkpoint without the head's weights fails with an error naming the head, the missing
/// tensor and what the checkpoint's `architectures` says it is.
public func loadHead(_ kind: HeadKind, weights: WeightStore, config: EncoderConfig) throws -> any EncoderHead
{
    do {
        return try config.family.architecture.head(kind, weights: weights, config: config)
    } catch let error as ModelError {
        let has = config.architectures.isEmpty ? "none" : config.architectures.joined(separator: ", ")
        throw ModelError(
            "this checkpoint has no \(config.family.classPrefix)\(kind.classSuffix) head (its architectures: \(has)): \(error.description)"
        )
    }
}

/// The heads of the families laid out as BERT's: the masked LM and sequence classification as
/// the family's file lays them out (`EncoderFamily.maskedLM`, `.sequenceClassification`),
/// token classification from `classifier` and question answering from `qa_outputs`.
func layoutHead(_ kind: HeadKind, weights: WeightStore, config: EncoderConfig) throws -> any EncoderHead {
    switch kind {
    case .maskedLM:
        guard let layout = config.family.maskedLM else {
            throw ModelError("the family has no masked-LM layout")
        }
        return try maskedLMHead(weights, config, layout: layout)
    case .sequenceClassification: return try sequenceClassificationHead(weights, config)
    case .tokenClassification:
        return RowHead(
            kind: kind, reference: "\(config.family.classPrefix)ForTokenClassification.classifier",
            steps: [.linear(try labelLinear(weights.scoped("classifier"), config))],
            inputWidth: config.hiddenSize, runtime: weights.runtime)
    case .questionAnswering:
        return RowHead(
            kind: kind, reference: "\(config.family.classPrefix)ForQuestionAnswering.qa_outputs",
            steps: [.linear(try Linear(weights.scoped("qa_outputs"), in: config.hiddenSize, out: 2))],
            inputWidth: config.hiddenSize, runtime: weights.runtime)
    }
}

/// A `[num_labels, hidden]` classifier; the label count comes from the file, checked
/// against `id2label`.
func labelLinear(_ weights: WeightStore, _ config: EncoderConfig, width: Int? = nil) throws -> Linear {
    try Linear(weights, in: width ?? config.hiddenSize, out: config.numLabels)
}

/// Where a family's `…ForSequenceClassification` checkpoint keeps its head: a dense layer on
/// the first token, a squashing step, then the `num_labels` classifier. The family's file
/// declares it (`EncoderFamily.sequenceClassification`).
struct ClassificationLayout: Sendable {
    /// The classes the head mirrors, for messages (`RobertaClassificationHead`).
    var reference: String
    /// The dense layer's name, from the checkpoint's top (`classifier.dense`), or from the
    /// encoder's when `denseInEncoder` (BERT's `pooler.dense`, saved under `bert.`).
    var dense: String
    var denseInEncoder = false
    /// `.tanh` (BERT, RoBERTa), or an activation (ELECTRA's GELU, DistilBERT's ReLU).
    var squash: HeadStep
    /// The `[num_labels, hidden]` classifier's name (`classifier.out_proj`).
    var classifier: String
}

private func sequenceClassificationHead(
    _ weights: WeightStore, _ config: EncoderConfig
) throws -> any EncoderHead {
    let h = config.hiddenSize
    guard let layout = config.family.sequenceClassification else {
        throw ModelError("the family has no sequence-classification layout")
    }
    let scope = layout.denseInEncoder ? weights.encoderScope(config.family) : weights
    return RowHead(
        kind: .sequenceClassification, reference: layout.reference,
        steps: [
            .linear(try Linear(scope.scoped(layout.dense), in: h, out: h)), layout.squash,
            .linear(try labelLinear(weights.scoped(layout.classifier), config)),
        ], inputWidth: h, runtime: weights.runtime)
}
