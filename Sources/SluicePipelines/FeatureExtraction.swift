import SluiceJSON
import SluiceModels

extension PipelineTask {
    /// The encoder's last hidden state, one vector per token (`[1, tokens, hidden]`).
    public static let featureExtraction = PipelineTask("feature-extraction")
}

/// transformers' `FeatureExtractionPipeline`: the encoder's last hidden state for every token.
struct FeatureExtractionPipeline: EveryTokenTask {
    static let definition = TaskDefinition(
        task: .featureExtraction, parameters: RequestTruncation.parameterNames, head: nil)
    let context: PipelineContext

    /// A bare encoder (`BertModel`), or a checkpoint that declares no class at all.
    static func isImplied(by folder: ModelFolder, config: EncoderConfig) -> Bool {
        config.architectures.isEmpty || config.architectures.contains { $0.hasSuffix("Model") }
    }

    /// `[[token vector, …]]`, the batch of one the pipeline returns.
    func finish(_ request: Void, _ output: ModelOutput) -> JSONValue {
        let h = output.width
        let states = output.rows[0]
        let rows = (0..<(states.count / h)).map { r in
            JSONValue.array(states[(r * h)..<((r + 1) * h)].map { .number(Double($0)) })
        }
        return .array([.array(rows)])
    }
}
