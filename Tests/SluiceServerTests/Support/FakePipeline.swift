import Foundation
import SluiceJSON
import SluicePipelines
import SluiceServer

/// A pipeline without a model: `prepare` takes a string or `{"text": …}` and splits words,
/// `forward` upper-cases each text, and `finish` answers `{"text": …, "tokens": …}` (with
/// `"in_list": true` for a list item). Tests can hold every batch at the start of
/// `forward` (the inference thread then blocks, as during a slow batch) and read which texts
/// were computed, batch by batch.
///
/// Texts steer failures: `"reject me"` fails `prepare` with a validation error, `"crash"` fails
/// `forward` with an internal error. Parameters: only `{"shout": Bool}` is accepted.
final class FakePipeline: ServablePipeline, @unchecked Sendable {
    struct Prepared: Sendable {
        var text: String
        var tokens: Int
        var shout: Bool
        var inList: Bool
    }

    let taskName: String

    /// A fake that calls its task `taskName` (`sentence-embeddings` lets the embedding routes
    /// of the API dialects reach it; it then ignores every parameter but `shout`).
    init(taskName: String = "fake-task") { self.taskName = taskName }
    let architecture: String? = "FakeForTesting"
    let maxInputTokens = 64

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var holding = false
    private var spinning = false
    private var running = 0
    private var computed: [[String]] = []

    func prepare(_ inputs: [JSONValue], asList: Bool, parameters: TaskParameters) throws -> [Prepared] {
        try inputs.map { try prepare(input: $0, asList: asList, parameters: parameters) }
    }

    private func prepare(input: JSONValue, asList: Bool, parameters: TaskParameters) throws -> Prepared {
        let text: String
        switch input {
        case .string(let value): text = value
        case .object where input["text"] != nil:
            guard case .string(let value)? = input["text"] else {
                throw PipelineError(.validation, "\"text\" must be a string")
            }
            text = value
        default: throw PipelineError(.validation, #"fake-task takes a string or {"text": ...}"#)
        }
        var shout = false
        if let pairs = parameters.values?.objectMembers {
            // Under another task's name, the parameters of that task's routes pass unread.
            for (key, value) in pairs where key == "shout" || taskName == "fake-task" {
                guard key == "shout", case .bool(let flag) = value else {
                    throw PipelineError(.validation, "unknown parameter \"\(key)\" (accepted: shout)")
                }
                shout = flag
            }
        }
        if text == "reject me" { throw PipelineError(.validation, "this input is rejected") }
        let tokens = text.split(separator: " ").count + 2
        guard tokens <= maxInputTokens else { throw PipelineError(.validation, "too long") }
        return Prepared(text: text, tokens: tokens, shout: shout, inList: asList)
    }

    func tokenCount(of prepared: Prepared) -> Int { prepared.tokens }

    func forward(_ batch: [Prepared]) throws -> [String] {
        condition.lock()
        computed.append(batch.map(\.text))
        running += 1
        condition.broadcast()
        while holding {
            if spinning {
                // Burn the inference thread's core, as a real batch does, polling the flag.
                condition.unlock()
                var x = 0.0
                for i in 0..<100_000 { x += Double(i).squareRoot() }
                precondition(x > 0)
                condition.lock()
            } else {
                condition.wait()
            }
        }
        running -= 1
        condition.unlock()
        if batch.contains(where: { $0.text == "crash" }) {
            throw FakeFailure(path: "/secret/internal/path.swift")
        }
        return batch.map { $0.text.uppercased() }
    }

    /// A list item says so, to show that the server prepared it as one.
    func finish(_ prepared: Prepared, _ output: String) throws -> JSONValue {
        let fields: [(key: String, value: JSONValue)] = [
            ("text", .string(prepared.shout ? output + "!" : output)), ("tokens", .int(prepared.tokens)),
        ]
        return .object(prepared.inList ? fields + [("in_list", .bool(true))] : fields)
    }

    /// Makes every batch wait at the start of `forward` until `release()`: blocked, or with
    /// `busy`, spinning on its core like a long computation.
    func hold(busy: Bool = false) {
        condition.lock()
        holding = true
        spinning = busy
        condition.unlock()
    }

    /// Lets held and later batches run.
    func release() {
        condition.lock()
        holding = false
        condition.broadcast()
        condition.unlock()
    }

    /// The texts of every batch that reached `forward`, in order.
    var batches: [[String]] {
        condition.lock()
        defer { condition.unlock() }
        return computed
    }

    /// Every text that reached `forward`.
    var computedTexts: [String] { batches.flatMap { $0 } }

    /// Whether a batch is inside `forward` now (held or computing).
    var isComputing: Bool {
        condition.lock()
        defer { condition.unlock() }
        return running > 0
    }
}

/// An engine failure whose description must not reach a client without verbose errors.
struct FakeFailure: Error, CustomStringConvertible {
    var path: String
    var description: String { "kernel failed in \(path)" }
}
