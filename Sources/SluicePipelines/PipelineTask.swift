import Foundation
import SluiceModels

/// The tasks Sluice serves, by their `transformers.pipeline` names.
public enum PipelineTask: String, Sendable, CaseIterable {
    /// Predict the tokens at `[MASK]` positions.
    case fillMask = "fill-mask"
    /// The encoder's last hidden state, one vector per token (`[1, tokens, hidden]`).
    case featureExtraction = "feature-extraction"
    /// One vector per text, as `sentence-transformers` computes it (pooling, dense, normalisation).
    case sentenceEmbeddings = "sentence-embeddings"
    /// Labels for a text or a text pair (`*ForSequenceClassification`).
    case textClassification = "text-classification"
    /// A label per token, or entities grouped from them (`*ForTokenClassification`).
    case tokenClassification = "token-classification"
    /// The span of a context that answers a question (`*ForQuestionAnswering`).
    case questionAnswering = "question-answering"
    /// Candidate labels scored by an NLI model, each posed as a hypothesis.
    case zeroShotClassification = "zero-shot-classification"
    /// Texts scored and sorted against a query by a cross-encoder, as `CrossEncoder.rank`.
    case textRanking = "text-ranking"

    /// Task names transformers and the Inference API also accept for these tasks.
    public init?(name: String) {
        switch name {
        case "sentiment-analysis": self = .textClassification
        case "ner": self = .tokenClassification
        case "rerank", "sentence-ranking": self = .textRanking
        case "sentence-similarity", "sentence-embedding": self = .sentenceEmbeddings
        default: self.init(rawValue: name)
        }
    }

    /// The task a folder implies when none is given, as `transformers.pipeline` infers it from
    /// `architectures`, with sentence-transformers folders first: a `CrossEncoder` folder gives
    /// text ranking, another sentence-transformers folder (`modules.json`) sentence
    /// embeddings; then `*ForMaskedLM` fill-mask, `*ForSequenceClassification` text
    /// classification, `*ForTokenClassification` token classification,
    /// `*ForQuestionAnswering` question answering, a bare encoder feature extraction.
    /// Zero-shot classification is never inferred: it must be asked for.
    public static func infer(folder: ModelFolder, config: EncoderConfig) throws -> PipelineTask {
        if CrossEncoderSettings.isCrossEncoder(folder) { return .textRanking }
        if folder.has("modules.json") { return .sentenceEmbeddings }
        let architectures = config.architectures
        let bySuffix: [(String, PipelineTask)] = [
            ("ForMaskedLM", .fillMask), ("ForSequenceClassification", .textClassification),
            ("ForTokenClassification", .tokenClassification), ("ForQuestionAnswering", .questionAnswering),
        ]
        for architecture in architectures {
            if let task = bySuffix.first(where: { architecture.hasSuffix($0.0) })?.1 { return task }
        }
        if architectures.isEmpty || architectures.contains(where: { $0.hasSuffix("Model") }) {
            return .featureExtraction
        }
        throw PipelineError.load(
            "cannot infer a task for architectures \(architectures) in \(folder.url.path); pass --task (supported: \(allCases.map(\.rawValue).joined(separator: ", ")))"
        )
    }
}
