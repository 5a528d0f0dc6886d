import Foundation

/// One `question-answering` request.
struct QuestionAnsweringRequest: Sendable {}

extension Pipeline {
    func prepareQuestionAnswering(_ input: JSONValue, parameters: JSONValue?) throws -> PreparedInput {
        throw PipelineError.validation("question-answering is not implemented yet")
    }

    func questionAnsweringOutput(_ request: QuestionAnsweringRequest, logits: [[Float]]) throws -> JSONValue {
        throw PipelineError(.internal, "question-answering is not implemented yet")
    }
}
