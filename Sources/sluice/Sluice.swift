import ArgumentParser
import Foundation
import Logging
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceTensors

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Serve Hugging Face encoder pipelines, written in Swift.",
        subcommands: [Serve.self, Predict.self, Tokenize.self, Bench.self]
    )

    /// Restarts first with OpenBLAS's faster kernels where it fell back to old ones
    /// (`BLASKernels`), then runs the command line.
    static func main() async {
        BLASKernels.restartWithBetterKernels()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options shared by the commands that load a model.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .customLong("model"), parsing: .singleValue,
        help: ArgumentHelp(
            "Model folder (config.json, model.safetensors, tokenizer.json), or a hub id (org/name or org/name@revision): "
                + "the Hugging Face cache's copy, downloaded from HF_ENDPOINT when missing (also SLUICE_MODEL). "
                + "serve takes several, each name=folder or name=org/name to name it; the first is the default.",
            valueName: "folder|org/name"))
    var models: [String] = []

    /// Every `--model`, or `SLUICE_MODEL` when none is given.
    var givenModels: [String] {
        if !models.isEmpty { return models }
        return ProcessInfo.processInfo.environment["SLUICE_MODEL"].map { [$0] } ?? []
    }

    /// The one `--model` of a command that loads one model.
    var model: String { givenModels.first ?? "" }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A hub id's branch, tag or commit (default main; also SLUICE_REVISION).", valueName: "revision"))
    var revision: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Hub token for gated or private models (default: HF_TOKEN, else the token file huggingface_hub saves).",
            valueName: "token"))
    var hfToken: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Task, as transformers.pipeline names it (default: what the folder implies; also SLUICE_TASK). "
                + "serve takes several: name=task sets the model of that name's, a bare task every other model's.",
            valueName: "[name=]task"))
    var task: [String] = []

    /// `--task` (or `SLUICE_TASK` when none is given): a task for every model (`nil` key) and
    /// tasks for named models.
    func tasks() throws -> [String?: PipelineTask] {
        let given =
            !task.isEmpty ? task : ProcessInfo.processInfo.environment["SLUICE_TASK"].map { [$0] } ?? []
        var tasks: [String?: PipelineTask] = [:]
        for entry in given {
            var name: String?
            var text = entry
            // The last `=`: a task name holds none, a model name may.
            if let equals = entry.lastIndex(of: "=") {
                name = String(entry[..<equals])
                text = String(entry[entry.index(after: equals)...])
                guard !name!.isEmpty else { throw ValidationError("--task \(entry): give name=task or task") }
            }
            guard let value = PipelineTask(rawValue: text) else {
                let names = PipelineTask.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown task \"\(text)\" (supported: \(names))")
            }
            guard tasks.updateValue(value, forKey: name) == nil else {
                throw ValidationError(
                    name.map { "--task gives model \($0) two tasks" }
                        ?? "--task gives two tasks for every model")
            }
        }
        return tasks
    }

    /// The task of the model served as `name` (nil for a command that loads one model):
    /// its own `--task name=…`, else the bare `--task`, else nil (what the folder implies).
    func task(for name: String?) throws -> PipelineTask? {
        let tasks = try tasks()
        if name == nil, tasks.keys.contains(where: { $0 != nil }) {
            throw ValidationError("--task name=task is for serve's named models; give the task alone")
        }
        return name.flatMap { tasks[$0] } ?? tasks[nil] ?? nil
    }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Dense-layer weights: f32 (default), or bf16: half the memory and bytes read per request, computed in f32 (also SLUICE_WEIGHTS).",
            valueName: "f32|bf16"))
    var weights: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Quantize the dense layers: none (default); int8: per-row symmetric int8 weights, a quarter of the bytes of f32, computed in f32; int8-dynamic: the same weights, and small batches' inputs quantized to int8 at run time, faster and less exact (also SLUICE_QUANTIZE).",
            valueName: "none|int8|int8-dynamic"))
    var quantize: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The kernels' vector instructions: auto (default) times each kernel family's AVX-512 and AVX2 paths at start-up and keeps the faster; avx2 or avx512 forces one (also SLUICE_SIMD).",
            valueName: "auto|avx2|avx512"))
    var simd: String?

    /// Applies `--simd` (or `SLUICE_SIMD`) to the process's kernels; what it chose.
    func applySIMD() throws -> KernelChoice {
        let text = simd ?? ProcessInfo.processInfo.environment["SLUICE_SIMD"] ?? "auto"
        guard let mode = KernelMode(rawValue: text) else {
            throw ValidationError("--simd must be auto, avx2 or avx512 (got \"\(text)\")")
        }
        do { return try KernelChoice.apply(mode) } catch {
            throw ValidationError("--simd must be auto or avx2 here: \(error)")
        }
    }

    /// How the dense layers hold their weights, from `--weights` and `--quantize` (or
    /// `SLUICE_WEIGHTS` and `SLUICE_QUANTIZE`; the command line wins).
    func denseWeights() throws -> DenseWeightFormat {
        let environment = ProcessInfo.processInfo.environment
        let weights = self.weights ?? environment["SLUICE_WEIGHTS"] ?? "f32"
        let quantize = self.quantize ?? environment["SLUICE_QUANTIZE"] ?? "none"
        guard weights == "f32" || weights == "bf16" else {
            throw ValidationError("unknown --weights \"\(weights)\" (supported: f32, bf16)")
        }
        guard quantize == "none" || quantize == "int8" || quantize == "int8-dynamic" else {
            throw ValidationError("unknown --quantize \"\(quantize)\" (supported: none, int8, int8-dynamic)")
        }
        if quantize != "none" {
            guard weights == "f32" else {
                throw ValidationError(
                    "--quantize \(quantize) replaces --weights \(weights): give one of them")
            }
            return quantize == "int8" ? .int8 : .int8Dynamic
        }
        return weights == "bf16" ? .bf16 : .f32
    }

    /// Checks `--weights` and `--quantize` while the arguments are parsed, before any model
    /// is loaded or port opened.
    func validate() throws { _ = try denseWeights() }

    /// Where `--model` (and `--revision`, or `SLUICE_REVISION`) points, for a command that
    /// loads one model.
    func source() throws -> ModelSource {
        guard !model.isEmpty else { throw ValidationError("--model is required (or SLUICE_MODEL)") }
        guard givenModels.count == 1 else { throw ValidationError("only serve takes several --model") }
        return try ModelSource(
            model, revision: revision ?? ProcessInfo.processInfo.environment["SLUICE_REVISION"])
    }

    /// Every `--model` of `serve`: its name (`name=` before it, if given), what it names, and
    /// where that is.
    func sources() throws -> [(name: String?, model: String, source: ModelSource)] {
        guard !givenModels.isEmpty else { throw ValidationError("--model is required (or SLUICE_MODEL)") }
        let revision = revision ?? ProcessInfo.processInfo.environment["SLUICE_REVISION"]
        return try givenModels.map { given in
            var name: String?
            var model = given
            // `name=` before a folder or hub id (neither holds `=`, unless a folder of that name exists).
            if !FileManager.default.fileExists(atPath: given), let equals = given.firstIndex(of: "=") {
                name = String(given[..<equals])
                model = String(given[given.index(after: equals)...])
                guard !name!.isEmpty, !model.isEmpty else {
                    throw ValidationError("--model \(given): give name=folder or name=org/name")
                }
            }
            return (name, model, try ModelSource(model, revision: revision))
        }
    }

    /// The model's folder, a hub id's downloaded into the cache first (after `--task` is checked,
    /// so that a mistake there costs no download).
    func folder(logger: Logger = Logger(label: "sluice")) async throws -> String {
        _ = try task(for: nil)
        return try await source().folder(token: hfToken, logger: logger)
    }

    /// Loads the pipeline of the model in `folder` (`--model`'s, resolved) for its `--task`
    /// (`name`: the model's name under serve; nil for a command that loads one model),
    /// computing on `runtime`.
    func loadPipeline(folder model: String, name: String? = nil, runtime: ComputeRuntime) throws -> Pipeline {
        let task = try task(for: name)
        let folder = try ModelFolder(path: model)
        return try Pipeline(folder: folder, task: task, denseWeights: try denseWeights(), runtime: runtime)
    }
}

/// Prints an error as one line on standard error and exits with status 1.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sluice: \(message)\n".utf8))
    exit(1)
}

struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the pipeline on each text and print one line of JSON per text.",
        discussion: """
            Each line is the pipeline's output for that one input, exactly as the transformers \
            pipeline behind a starlette server returns it (compact JSON, UTF-8). All texts are \
            computed together as one ragged batch.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "fill-mask: predictions per mask (default 5).")
    var topK: Int?

    @Option(
        name: .long, parsing: .singleValue,
        help: "fill-mask: restrict predictions to this token (repeatable).")
    var target: [String] = []

    @Argument(help: "The input texts.")
    var texts: [String]

    func run() async throws {
        guard !texts.isEmpty else { fail("give at least one text") }
        var parameters: [(String, JSONValue)] = []
        if let topK { parameters.append(("top_k", .int(topK))) }
        if !target.isEmpty { parameters.append(("targets", .array(target.map { .string($0) }))) }
        do {
            let folder = try await modelOptions.folder()
            _ = try modelOptions.applySIMD()
            let pipeline = try modelOptions.loadPipeline(folder: folder, runtime: ComputeRuntime())
            let outputs = try pipeline.run(texts, parameters: parameters.isEmpty ? nil : .object(parameters))
            for output in outputs { print(output.pythonJSON) }
        } catch let error as ValidationError {
            throw error
        } catch {
            fail("\(error)")
        }
    }
}
