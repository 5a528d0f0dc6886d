import Foundation
import SluiceJSON
import SluiceModels
import XCTest

@testable import SluicePipelines

/// The request options the API dialects pass to the tasks (`normalize`, `dimensions`,
/// `truncate`, `truncation_direction`, token ids) and the tasks a model answers beside the one it
/// serves (sentence embeddings of a bare encoder, sparse embeddings of a masked-LM head), against
/// scripts/fixtures/make_request_option_fixtures.py: each case alone, then all of a folder's
/// cases as one batch.
final class RequestOptionFixtureTests: XCTestCase {
    private static let folders = [
        "sentence-embeddings-cls-dense-normalize", "sentence-embeddings-dense-pytorch-bin",
        "sentence-embeddings-lasttoken-mean", "sentence-embeddings-max-meansqrt-dense",
        "sentence-embeddings-modernbert-every-pooling", "sentence-embeddings-modernbert-mean-prompts",
        "sentence-embeddings-qwen3-lasttoken", "sentence-embeddings-roberta-mean-normalize",
        "sentence-embeddings-weightedmean-prompts", "sentence-embeddings-xlm-roberta-mean",
        "feature-extraction-distilbert", "feature-extraction-roberta", "feature-extraction-modernbert",
        "fill-mask-distilbert", "fill-mask-roberta", "fill-mask-modernbert", "fill-mask-deberta-v2",
        "text-classification-bert", "text-classification-roberta",
    ]

    func testRequestOptionsMatchTheReferenceLibraries() throws {
        for name in Self.folders {
            let pipeline = try Pipeline(folder: try Fixtures.folder("tasks/\(name)"), runtime: .forTests)
            let rows = try Fixtures.jsonLines("tasks/\(name)/expected/request_options.jsonl")
            XCTAssertGreaterThanOrEqual(rows.count, 2, name)
            var prepared: [PreparedInput] = []
            var references: [(task: PipelineTask, json: JSONValue)] = []
            for row in rows {
                if try checkTokenizerRow(row, pipeline, name) { continue }
                guard case .string(let taskName)? = row["task"], let task = PipelineTask(name: taskName),
                    let input = row["input"], case .string(let json)? = row["json"]
                else { throw ModelError("bad fixture row in \(name)") }
                let parameters = try TaskParameters(row["parameters"])
                let label = "\(name) \(taskName) \(parameters.values?.pythonJSON ?? "")"
                XCTAssertTrue(pipeline.tasks.contains(task), "\(label): answers \(pipeline.tasks)")
                let one = try pipeline.prepare([input], asList: false, parameters: parameters, task: task)
                let reference = try JSONValue.parse(Data(json.utf8))
                let ours = try pipeline.finish(one[0], try pipeline.forward(one)[0])
                assertSame(ours, reference, task: task, label)
                prepared += one
                references.append((task, reference))
            }
            for (i, (input, output)) in zip(prepared, try pipeline.forward(prepared)).enumerated() {
                assertSame(
                    try pipeline.finish(input, output), references[i].json, task: references[i].task,
                    "\(name) batched case \(i)")
            }
        }
    }

    /// A `tokenize` or `decode` row (TEI's routes, the Rust library's answers): the tokens with
    /// their byte offsets, or the decoded text. False for a row of another kind.
    private func checkTokenizerRow(_ row: JSONValue, _ pipeline: Pipeline, _ name: String) throws -> Bool {
        guard case .string(let kind)? = row["task"], kind == "tokenize" || kind == "decode",
            let input = row["input"], case .string(let json)? = row["json"]
        else { return false }
        let reference = try JSONValue.parse(Data(json.utf8))
        let label = "\(name) \(kind) \(input.pythonJSON) \(row["parameters"]?.pythonJSON ?? "")"
        if kind == "decode", let ids = input.arrayValue?.compactMap(\.integralValue) {
            let skip = row["parameters"]?["skip_special_tokens"]?.boolValue ?? true
            XCTAssertEqual(.string(pipeline.decode(ids, skipSpecialTokens: skip)), reference, label)
        } else if case .string(let text) = input {
            let add = row["parameters"]?["add_special_tokens"]?.boolValue ?? true
            let spans = try pipeline.tokenSpans(of: text, addSpecialTokens: add).map { span -> JSONValue in
                .object([
                    ("id", .int(span.id)), ("text", .string(span.text)), ("special", .bool(span.special)),
                    ("start", span.bytes.map { .int($0.lowerBound) } ?? .null),
                    ("stop", span.bytes.map { .int($0.upperBound) } ?? .null),
                ])
            }
            assertSameJSON(.array(spans), reference, label)
        }
        return true
    }

    /// Sparse answers are compared as vectors, an entry left out counting as zero: a logit
    /// within rounding of zero may fall on either side of the ReLU in either library.
    private func assertSame(_ ours: JSONValue, _ reference: JSONValue, task: PipelineTask, _ label: String) {
        guard task == .sparseEmbeddings else { return assertSameJSON(ours, reference, label) }
        let a = sparseEntries(ours)
        let b = sparseEntries(reference)
        XCTAssertGreaterThan(b.count, 10, label)
        for index in Set(a.keys).union(b.keys) {
            let x = a[index] ?? 0
            let y = b[index] ?? 0
            if abs(x - y) > 1e-4 {
                XCTFail("\(label): entry \(index) is \(x), reference \(y)")
                return
            }
        }
    }

    private func sparseEntries(_ json: JSONValue) -> [Int: Double] {
        var entries: [Int: Double] = [:]
        if case .array(let items) = json {
            for item in items {
                if case .int(let index)? = item["index"], case .number(let value)? = item["value"] {
                    entries[index] = value
                }
            }
        }
        return entries
    }

    /// A list of token ids outside the vocabulary, a `dimensions` wider than the embedding,
    /// `truncate: false` on a long input and an unknown direction are refused before any compute.
    func testUnusableOptionsAreRefusedWithValidationErrors() throws {
        let pipeline = try Pipeline(
            folder: try Fixtures.folder("tasks/sentence-embeddings-roberta-mean-normalize"),
            runtime: .forTests)
        let long = JSONValue.string(
            Array(repeating: "Paris capital France", count: 200).joined(separator: " "))
        let cases: [(JSONValue, JSONValue)] = [
            (.array([.int(0), .int(1_000_000)]), .object([])),
            (.string("Paris"), .object([("dimensions", .int(100_000))])),
            (.string("Paris"), .object([("dimensions", .int(0))])),
            (long, .object([("truncate", .bool(false))])),
            (
                .string("Paris"),
                .object([("truncate", .bool(true)), ("truncation_direction", .string("up"))])
            ),
        ]
        for (input, parameters) in cases {
            XCTAssertThrowsError(
                try pipeline.prepare([input], asList: false, parameters: try TaskParameters(parameters)),
                "\(input.pythonJSON) \(parameters.pythonJSON)"
            ) { error in
                XCTAssertEqual((error as? PipelineError)?.kind, .validation, "\(error)")
            }
        }
    }

    /// Found by schemathesis: a text the normalizer empties, on a tokenizer that adds no special
    /// tokens, leaves a sequence of no tokens; it is a validation error, not a failed batch.
    func testAnInputOfNoTokensIsRefused() throws {
        let pipeline = try Pipeline(
            folder: try Fixtures.folder("tasks/text-ranking-bert"), runtime: .forTests)
        let input = JSONValue.object([("query", .string("\u{89}")), ("texts", .array([.string("")]))])
        XCTAssertThrowsError(try pipeline.prepare([input], asList: false, parameters: .none)) { error in
            XCTAssertEqual((error as? PipelineError)?.kind, .validation, "\(error)")
        }
    }

    /// A task the model cannot answer is refused by name, listing those it answers.
    func testATaskTheModelCannotAnswerIsRefused() throws {
        let pipeline = try Pipeline(
            folder: try Fixtures.folder("tasks/text-classification-bert"), runtime: .forTests)
        XCTAssertEqual(pipeline.tasks.first, .textClassification)
        XCTAssertFalse(pipeline.tasks.contains(.sentenceEmbeddings))
        XCTAssertThrowsError(
            try pipeline.prepare(
                [.string("Paris")], asList: false, parameters: .none, task: .sentenceEmbeddings)
        ) { error in
            XCTAssertEqual((error as? PipelineError)?.kind, .validation)
            XCTAssertTrue("\(error)".contains("text-classification"), "\(error)")
        }
    }
}
