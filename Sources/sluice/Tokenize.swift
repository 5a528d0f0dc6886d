import ArgumentParser
import Foundation
import Logging
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceTokenizers

/// `sluice tokenize`: what a model's tokenizer makes of a text, field for field as the Python
/// `tokenizers` library reports it, for people debugging their models.
struct Tokenize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print how the model's tokenizer encodes each text, one line of JSON per text.",
        discussion: """
            Each line has ids, tokens, type_ids, offsets ([start, end] in Unicode code points \
            of the input, as Python string indices), special_tokens_mask and decoded (the ids \
            decoded without special tokens), as tokenizers.Tokenizer.encode gives them with the \
            file's own truncation and padding. With no TEXT, standard input is read: one JSON \
            value per line, a string or a two-string array for a pair, so that any text (a NUL \
            character included) can be given and a whole corpus runs in one process. Which files \
            the tokenizer was built from is written to standard error.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Model folder (tokenizer.json; or vocab.txt, vocab.json + merges.txt, or a SentencePiece model), "
                + "or a hub id (org/name[@revision]): the Hugging Face cache's copy, downloaded when missing.",
            valueName: "folder|org/name"))
    var model: String = ProcessInfo.processInfo.environment["SLUICE_MODEL"] ?? ""

    @Option(
        name: .long,
        help: ArgumentHelp("A hub id's branch, tag or commit (default main).", valueName: "revision"))
    var revision: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Hub token for gated or private models (default: HF_TOKEN).", valueName: "token"))
    var hfToken: String?

    @Option(
        name: .long, help: ArgumentHelp("Second text of a pair, encoded with each TEXT.", valueName: "text"))
    var pair: String?

    @Flag(
        name: .long,
        help: """
            Measure speed instead: encode every input (standard input's lines), one after the other \
            on one thread without the file's padding and truncation, repeatedly for --seconds, and \
            print one JSON line with tokens per second.
            """)
    var bench = false

    @Option(name: .long, help: "How long --bench measures, in seconds.")
    var seconds: Double = 3

    @Argument(help: "Texts to encode (default: JSON lines from standard input).")
    var texts: [String] = []

    func run() async throws {
        guard !model.isEmpty else { throw ValidationError("--model is required (or SLUICE_MODEL)") }
        let tokenizer: Tokenizer
        do {
            // A folder needs only its tokenizer files here (no config.json); a hub id is the
            // cache's snapshot, downloaded when missing.
            let folder = try await ModelSource(model, revision: revision).folder(
                token: hfToken, logger: Logger(label: "sluice"))
            let (loaded, source) = try Tokenizer.load(folder: URL(fileURLWithPath: folder))
            tokenizer = loaded
            FileHandle.standardError.write(Data("sluice: \(source)\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("sluice: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let inputs: [(String, String?)] =
            texts.isEmpty ? try readInputs() : texts.map { ($0, pair) }
        if bench {
            // Speed is measured on the text's own tokens: no padding (bert-base-uncased's file
            // pads every encoding to 128) and no truncation.
            var bare = tokenizer
            bare.padding = nil
            bare.truncation = nil
            try measure(bare, inputs)
            return
        }
        var output = ""
        for (text, pairText) in inputs {
            let encoding = try tokenizer.encode(text, pair: pairText)
            output += Self.line(
                for: encoding, decoded: tokenizer.decode(encoding.ids, skipSpecialTokens: true))
            output += "\n"
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// One encoding in the reference's field names and order.
    static func line(for encoding: Encoding, decoded: String) -> String {
        JSONValue.object([
            ("ids", .array(encoding.ids.map { .int($0) })),
            ("tokens", .array(encoding.tokens.map { .string($0) })),
            ("type_ids", .array(encoding.typeIds.map { .int($0) })),
            ("offsets", .array(encoding.offsets.map { .array([.int($0.start), .int($0.end)]) })),
            ("special_tokens_mask", .array(encoding.specialTokensMask.map { .int($0) })),
            ("decoded", .string(decoded)),
        ]).pythonJSON
    }

    /// Standard input as JSON lines: a string, or `[text, pair]`; empty lines are skipped.
    func readInputs() throws -> [(String, String?)] {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        var inputs = [(String, String?)]()
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(Data(line))
            } catch {
                throw ValidationError("standard input line \(number + 1) is not JSON: \(error)")
            }
            switch value {
            case .string(let text):
                inputs.append((text, pair))
            case .array(let items) where items.count == 2:
                guard case .string(let text) = items[0], case .string(let second) = items[1] else {
                    fallthrough
                }
                inputs.append((text, second))
            default:
                throw ValidationError(
                    "standard input line \(number + 1) must be a JSON string or an array of two strings")
            }
        }
        return inputs
    }

    /// Encodes all inputs in passes until `seconds` have gone by; prints the rate.
    func measure(_ tokenizer: Tokenizer, _ inputs: [(String, String?)]) throws {
        guard !inputs.isEmpty else { throw ValidationError("--bench needs inputs") }
        var tokens = 0
        var passes = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            for (text, pairText) in inputs {
                tokens += try tokenizer.encode(text, pair: pairText).ids.count
            }
            passes += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        let result = JSONValue.object([
            ("inputs", .int(inputs.count)), ("passes", .int(passes)), ("tokens", .int(tokens)),
            ("seconds", .number(elapsed)),
            ("tokens_per_second", .number((Double(tokens) / elapsed).rounded())),
        ])
        print(result.pythonJSON)
    }
}
