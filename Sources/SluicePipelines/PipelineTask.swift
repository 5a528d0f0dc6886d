import Foundation
import SluiceModels

/// The tasks Sluice serves, by their `transformers.pipeline` names.
public enum PipelineTask: String, Sendable, CaseIterable {
    /// Predict the tokens at `[MASK]` positions.
    case fillMask = "fill-mask"
    /// The encoder's last hidden state, one vector per token (`[1, tokens, hidden]`).
    case featureExtraction = "feature-extraction"
    /// One vector per text, as `sentence-transformers` computes it (pooling, normalisation).
    case sentenceEmbeddings = "sentence-embeddings"

    /// The task a folder implies when none is given, as `transformers.pipeline` infers it:
    /// a sentence-transformers folder gives sentence embeddings, `*ForMaskedLM` fill-mask, a
    /// bare encoder feature extraction.
    public static func infer(folder: ModelFolder, config: BertConfig) throws -> PipelineTask {
        if folder.has("modules.json") { return .sentenceEmbeddings }
        let architectures = config.architectures
        if architectures.contains(where: { $0.hasSuffix("ForMaskedLM") }) { return .fillMask }
        if architectures.isEmpty || architectures.contains(where: { $0.hasSuffix("Model") }) {
            return .featureExtraction
        }
        throw PipelineError.load(
            "cannot infer a task for architectures \(architectures) in \(folder.url.path); pass --task (supported: \(allCases.map(\.rawValue).joined(separator: ", ")))"
        )
    }
}
