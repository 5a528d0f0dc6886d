import SluiceTensors

/// Loads the `kind` head of `config.family` from `weights`, with the reference's weight names:
///
/// | head | BERT | RoBERTa, XLM-R, CamemBERT, MPNet | DistilBERT | ELECTRA |
/// |---|---|---|---|---|
/// | masked LM | `cls.predictions` | `lm_head` | `vocab_transform`, `vocab_layer_norm`, `vocab_projector` | `generator_predictions`, `generator_lm_head` |
/// | sequence classification | `bert.pooler.dense` + tanh, `classifier` | `classifier.dense` + tanh, `classifier.out_proj` | `pre_classifier` + ReLU, `classifier` | `classifier.dense` + GELU, `classifier.out_proj` |
/// | token classification | `classifier` | `classifier` | `classifier` | `classifier` |
/// | question answering | `qa_outputs` | `qa_outputs` | `qa_outputs` | `qa_outputs` |
///
/// A checkpoint without the head's weights fails with an error naming the head, the missing
/// tensor and what the checkpoint's `architectures` says it is.
public func loadHead(_ kind: HeadKind, weights: WeightStore, config: EncoderConfig) throws -> any EncoderHead
{
    do {
        switch kind {
        case .maskedLM: return try maskedLMHead(weights, config)
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
    } catch let error as ModelError {
        let has = config.architectures.isEmpty ? "none" : config.architectures.joined(separator: ", ")
        throw ModelError(
            "this checkpoint has no \(config.family.classPrefix)\(kind.classSuffix) head (its architectures: \(has)): \(error.description)"
        )
    }
}

/// A `[num_labels, hidden]` classifier; the label count comes from the file, checked
/// against `id2label`.
private func labelLinear(_ weights: WeightStore, _ config: EncoderConfig, width: Int? = nil) throws -> Linear
{
    try Linear(weights, in: width ?? config.hiddenSize, out: config.numLabels)
}

private func maskedLMHead(_ weights: WeightStore, _ config: EncoderConfig) throws -> any EncoderHead {
    let h = config.hiddenSize
    switch config.family {
    case .bert:
        return try BertMaskedLMHead(weights: weights, config: config)
    case .roberta, .xlmRoberta, .camembert, .mpnet:
        // RobertaLMHead / MPNetLMHead: dense, gelu (always exact GELU), layer_norm, decoder.
        let head = weights.scoped("lm_head")
        let decoder = try tiedDecoder(
            head, weightName: "decoder.weight", biasName: "decoder.bias", sharedBias: "bias", words: weights,
            config: config, width: h)
        return RowHead(
            kind: .maskedLM, reference: config.family == .mpnet ? "MPNetLMHead" : "RobertaLMHead",
            steps: [
                .linear(try Linear(head.scoped("dense"), in: h, out: h)), .activation(.gelu),
                .layerNorm(try LayerNorm(head.scoped("layer_norm"), width: h, eps: config.layerNormEps)),
                .linear(decoder),
            ], inputWidth: h, runtime: weights.runtime)
    case .distilbert:
        // DistilBertForMaskedLM: vocab_transform, config.activation, vocab_layer_norm (eps 1e-12),
        // vocab_projector tied to the word embeddings.
        let decoder = try tiedDecoder(
            weights, weightName: "vocab_projector.weight", biasName: "vocab_projector.bias", sharedBias: nil,
            words: weights, config: config, width: h)
        return RowHead(
            kind: .maskedLM, reference: "DistilBertForMaskedLM",
            steps: [
                .linear(try Linear(weights.scoped("vocab_transform"), in: h, out: h)),
                .activation(config.hiddenAct),
                .layerNorm(try LayerNorm(weights.scoped("vocab_layer_norm"), width: h, eps: 1e-12)),
                .linear(decoder),
            ], inputWidth: h, runtime: weights.runtime)
    case .electra:
        // ElectraGeneratorPredictions (dense to embedding_size, exact GELU, LayerNorm), then
        // generator_lm_head tied to the word embeddings.
        let e = config.embeddingSize
        let predictions = weights.scoped("generator_predictions")
        let decoder = try tiedDecoder(
            weights, weightName: "generator_lm_head.weight", biasName: "generator_lm_head.bias",
            sharedBias: nil,
            words: weights, config: config, width: e)
        return RowHead(
            kind: .maskedLM, reference: "ElectraGeneratorPredictions + generator_lm_head",
            steps: [
                .linear(try Linear(predictions.scoped("dense"), in: h, out: e)), .activation(.gelu),
                .layerNorm(
                    try LayerNorm(predictions.scoped("LayerNorm"), width: e, eps: config.layerNormEps)),
                .linear(decoder),
            ], inputWidth: h, runtime: weights.runtime)
    }
}

private func sequenceClassificationHead(
    _ weights: WeightStore, _ config: EncoderConfig
) throws
    -> any EncoderHead
{
    let h = config.hiddenSize
    let steps: [HeadStep]
    let reference: String
    switch config.family {
    case .bert:
        // BertPooler (tanh on the first token), then BertForSequenceClassification.classifier.
        let pooler = weights.encoderScope(config.family).scoped("pooler.dense")
        steps = [
            .linear(try Linear(pooler, in: h, out: h)), .tanh,
            .linear(try labelLinear(weights.scoped("classifier"), config)),
        ]
        reference = "BertPooler + BertForSequenceClassification.classifier"
    case .roberta, .xlmRoberta, .camembert, .mpnet:
        let head = weights.scoped("classifier")
        steps = [
            .linear(try Linear(head.scoped("dense"), in: h, out: h)), .tanh,
            .linear(try labelLinear(head.scoped("out_proj"), config)),
        ]
        reference = config.family == .mpnet ? "MPNetClassificationHead" : "RobertaClassificationHead"
    case .electra:
        // "although BERT uses tanh here, it seems Electra authors used gelu here"
        let head = weights.scoped("classifier")
        steps = [
            .linear(try Linear(head.scoped("dense"), in: h, out: h)), .activation(.gelu),
            .linear(try labelLinear(head.scoped("out_proj"), config)),
        ]
        reference = "ElectraClassificationHead"
    case .distilbert:
        steps = [
            .linear(try Linear(weights.scoped("pre_classifier"), in: h, out: h)), .activation(.relu),
            .linear(try labelLinear(weights.scoped("classifier"), config)),
        ]
        reference = "DistilBertForSequenceClassification"
    }
    return RowHead(
        kind: .sequenceClassification, reference: reference, steps: steps, inputWidth: h,
        runtime: weights.runtime)
}
