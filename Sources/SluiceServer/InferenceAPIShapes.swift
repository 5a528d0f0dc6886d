import SluiceJSON
import SluicePipelines

/// Where the Hugging Face Inference API answers a JSON request in another shape than the
/// transformers pipeline (which the raw-text route keeps): text classification scores every
/// label unless `top_k` says otherwise and answers each input with a list
/// (`[[{"label", "score"}, ...]]` for one text, `[[...], [...]]` for two), and zero-shot classification answers
/// `[{"label", "score"}, ...]` rather than `{"sequence", "labels", "scores"}`. These are the
/// shapes huggingface_hub's `InferenceClient` reads.
enum InferenceAPIShapes {
    /// The parameters the pipeline runs with: text classification's `top_k` defaults to every
    /// label.
    static func parameters(task: String, _ parameters: TaskParameters) throws -> TaskParameters {
        guard task == PipelineTask.textClassification.rawValue, parameters.values?["top_k"] == nil else {
            return parameters
        }
        return try TaskParameters(.object((parameters.values?.objectMembers ?? []) + [("top_k", .null)]))
    }

    /// One input's answer in the Inference API's shape; `inList` when the request sent a list
    /// (whose answer is then the list of each input's answer).
    static func answer(task: String, _ answer: JSONValue, inList: Bool) -> JSONValue {
        switch task {
        case PipelineTask.textClassification.rawValue:
            // A lone text's labels come as a list in a list; a list's, as one list per text.
            if !inList, case .array(let items) = answer, items.first?["label"] != nil {
                return .array([answer])
            }
            return answer
        case "zero-shot-classification":
            guard case .array(let labels)? = answer["labels"], case .array(let scores)? = answer["scores"]
            else {
                return answer
            }
            return .array(zip(labels, scores).map { .object([("label", $0), ("score", $1)]) })
        default:
            return answer
        }
    }
}
