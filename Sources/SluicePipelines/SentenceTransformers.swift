import Foundation
import SluiceJSON
import SluiceModels
import SluiceTensors

/// The modules of a sentence-transformers folder (`modules.json`): the Transformer (with
/// `sentence_bert_config.json`'s `max_seq_length` and `do_lower_case`), Pooling, Dense and
/// Normalize, and the prompts of `config_sentence_transformers.json`.
struct SentenceTransformerModules: Sendable {
    /// `sentence_transformers` Pooling modes, by their `pooling_mode` names.
    enum PoolingMode: String, Sendable, CaseIterable {
        case cls
        case max
        case mean
        case meanSqrtLen = "mean_sqrt_len_tokens"
        case weightedMean = "weightedmean"
        case lastToken = "lasttoken"

        /// The legacy `pooling_mode_*` switch for this mode.
        var legacyKey: String {
            switch self {
            case .cls: return "pooling_mode_cls_token"
            case .max: return "pooling_mode_max_tokens"
            case .mean: return "pooling_mode_mean_tokens"
            case .meanSqrtLen: return "pooling_mode_mean_sqrt_len_tokens"
            case .weightedMean: return "pooling_mode_weightedmean_tokens"
            case .lastToken: return "pooling_mode_lasttoken"
            }
        }
    }

    /// A module after pooling.
    enum Step: Sendable {
        case dense(DenseModule)
        case normalize
    }

    var maxSeqLength: Int?
    var lowercase = false
    var poolingModes: [PoolingMode] = []
    /// Pooling's `include_prompt`: false leaves the prompt's tokens out of the pooled vector.
    var includePrompt = true
    var steps: [Step] = []
    /// `config_sentence_transformers.json`'s `prompts`, and the one used by default.
    var prompts: [String: String] = [:]
    var defaultPromptName: String?
    /// `similarity_fn_name` (cosine unless the folder says otherwise).
    var similarity = "cosine"
    /// Values per embedding, after the last module.
    var width: Int

    init(folder: ModelFolder, config: EncoderConfig, runtime: ComputeRuntime) throws {
        let modulesURL = folder.file("modules.json")
        guard folder.has("modules.json") else {
            // `SentenceTransformer` on a plain transformers folder: the encoder, then mean pooling.
            poolingModes = [.mean]
            width = config.hiddenSize
            return
        }
        guard case .array(let modules) = folder.jsonObject("modules.json") else {
            throw PipelineError.load("\(modulesURL.path) is not a JSON list of modules")
        }
        width = config.hiddenSize
        var sawPooling = false
        for module in modules {
            let type = module["type"]?.stringValue ?? ""
            let path = module["path"]?.stringValue ?? ""
            let dir = path.isEmpty ? folder.url : folder.url.appendingPathComponent(path)
            switch type.split(separator: ".").last.map(String.init) ?? "" {
            case "Transformer":
                let settings = folder.jsonObject(moduleFile(path, "sentence_bert_config.json"))
                if case .int(let length) = settings["max_seq_length"] { maxSeqLength = length }
                lowercase = settings["do_lower_case"] == .bool(true)
            case "Pooling":
                let file = dir.appendingPathComponent("config.json")
                let settings = folder.jsonObject(moduleFile(path, "config.json"))
                poolingModes = try Self.poolingModes(settings, path: file.path)
                includePrompt = settings["include_prompt"] != .bool(false)
                for key in ["embedding_dimension", "word_embedding_dimension"] {
                    if case .int(let dimension) = settings[key], dimension != config.hiddenSize {
                        throw PipelineError.load(
                            "\(file.path): \(key) \(dimension) differs from hidden_size \(config.hiddenSize)")
                    }
                }
                width = config.hiddenSize * poolingModes.count
                sawPooling = true
            case "Dense":
                let dense = try DenseModule(folder: dir, inputWidth: width, runtime: runtime)
                width = dense.outFeatures
                steps.append(.dense(dense))
            case "Normalize":
                steps.append(.normalize)
            default:
                throw PipelineError.load(
                    "\(modulesURL.path): module type \"\(type)\" is not supported (supported: Transformer, Pooling, Dense, Normalize)"
                )
            }
        }
        guard sawPooling else { throw PipelineError.load("\(modulesURL.path) names no Pooling module") }
        let stConfig = folder.jsonObject("config_sentence_transformers.json")
        if case .object(let pairs) = stConfig["prompts"] {
            for (name, value) in pairs { if case .string(let prompt) = value { prompts[name] = prompt } }
        }
        defaultPromptName = stConfig["default_prompt_name"]?.stringValue
        similarity = stConfig["similarity_fn_name"]?.stringValue ?? "cosine"
        guard ["cosine", "dot", "euclidean", "manhattan"].contains(similarity) else {
            throw PipelineError.load("similarity_fn_name \"\(similarity)\" is not supported")
        }
    }

    /// `pooling_mode` (a name or a list), or the legacy switches in their fixed order; mean
    /// when none is on.
    static func poolingModes(_ settings: JSONValue, path: String) throws -> [PoolingMode] {
        func mode(_ name: JSONValue) throws -> PoolingMode {
            guard let text = name.stringValue, let mode = PoolingMode(rawValue: text) else {
                let known = PoolingMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw PipelineError.load(
                    "\(path): pooling mode \(name.pythonJSON) is not supported (supported: \(known))")
            }
            return mode
        }
        switch settings["pooling_mode"] {
        case .string?: return [try mode(settings["pooling_mode"]!)]
        case .array(let names)?: return try names.map(mode)
        default:
            let modes = PoolingMode.allCases.filter { settings[$0.legacyKey] == .bool(true) }
            return modes.isEmpty ? [.mean] : modes
        }
    }

    /// Pools one sequence's token vectors (`[tokens, hidden]`) as `Pooling.forward` does,
    /// leaving out the first `excluded` tokens (a prompt, with `include_prompt` false), then
    /// runs the Dense and Normalize modules.
    func embed(_ states: [Float], hidden h: Int, excluded: Int = 0, normalizing: Bool = true) -> [Float] {
        let t = states.count / h
        let kept = min(excluded, t)..<t
        var out: [Float] = []
        for mode in poolingModes {
            switch mode {
            case .cls:
                let first = kept.isEmpty ? 0 : kept.lowerBound
                out += states[(first * h)..<((first + 1) * h)]
            case .max:
                var m = [Float](repeating: -.infinity, count: h)
                for r in kept { for c in 0..<h { m[c] = Swift.max(m[c], states[r * h + c]) } }
                out += m
            case .mean, .meanSqrtLen:
                var sum = [Float](repeating: 0, count: h)
                for r in kept { for c in 0..<h { sum[c] += states[r * h + c] } }
                let count = Swift.max(Float(kept.count), 1e-9)
                let denominator = mode == .mean ? count : count.squareRoot()
                out += sum.map { $0 / denominator }
            case .weightedMean:
                // Weights are positions counted from 1.
                var sum = [Float](repeating: 0, count: h)
                var weights: Float = 0
                for r in kept {
                    let w = Float(r + 1)
                    weights += w
                    for c in 0..<h { sum[c] += states[r * h + c] * w }
                }
                out += sum.map { $0 / Swift.max(weights, 1e-9) }
            case .lastToken:
                if let last = kept.last {
                    out += states[(last * h)..<((last + 1) * h)]
                } else {
                    out += [Float](repeating: 0, count: h)
                }
            }
        }
        return afterPooling(out, normalizing: normalizing)
    }

    /// The token rows pooling reads from a sequence of `length` tokens whose first `excluded`
    /// are left out, one per pooling mode in order, when every mode reads a single row (CLS,
    /// last token); nil when some mode reads them all. `embed(pooledRows:)` of those rows'
    /// vectors is then `embed` of the whole sequence.
    func pooledRows(length t: Int, excluded: Int) -> [Int]? {
        let kept = min(excluded, t)..<t
        var rows: [Int] = []
        for mode in poolingModes {
            switch mode {
            case .cls where t > 0: rows.append(kept.isEmpty ? 0 : kept.lowerBound)
            case .lastToken where !kept.isEmpty: rows.append(kept.upperBound - 1)
            default: return nil
            }
        }
        return rows.isEmpty ? nil : rows
    }

    /// The embedding from the vectors of `pooledRows`' rows, concatenated in that order.
    func embed(pooledRows vectors: [Float], normalizing: Bool = true) -> [Float] {
        afterPooling(vectors, normalizing: normalizing)
    }

    /// The Dense and Normalize modules on a pooled vector; without `normalizing`, the Dense
    /// modules alone.
    private func afterPooling(_ pooled: [Float], normalizing: Bool) -> [Float] {
        var out = pooled
        for step in steps {
            switch step {
            case .dense(let dense): out = dense.forward(out)
            case .normalize: if normalizing { out = l2Normalized(out) }
            }
        }
        return out
    }

    /// `model.similarity` of one embedding with another.
    func similarity(_ a: [Float], _ b: [Float]) -> Float {
        switch similarity {
        case "dot": return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        case "euclidean": return -zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        case "manhattan": return -zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) }
        default:
            let dot = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let na = Swift.max(a.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot(), 1e-8)
            let nb = Swift.max(b.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot(), 1e-8)
            return dot / (na * nb)
        }
    }
}

/// `torch.nn.functional.normalize`: `x / max(‖x‖₂, 1e-12)`.
func l2Normalized(_ x: [Float]) -> [Float] {
    let norm = x.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
    let scale = 1 / Swift.max(norm, 1e-12)
    return x.map { $0 * scale }
}

/// `sentence_transformers` Dense: `activation(linear(x))`, plus the input again with
/// `use_residual` (through `residual`, a linear layer without bias, when the widths differ).
/// Weights from the module folder's `model.safetensors`, or its `pytorch_model.bin` where an
/// older sentence-transformers saved that instead, through the model's one weight lookup.
struct DenseModule: Sendable {
    enum Activation: String, Sendable {
        case tanh = "Tanh"
        case identity = "Identity"
        case relu = "ReLU"
        case sigmoid = "Sigmoid"
        case gelu = "GELU"
    }

    let linear: Linear
    let residual: Linear?
    let useResidual: Bool
    let activation: Activation

    var outFeatures: Int { linear.outFeatures }

    init(folder: URL, inputWidth: Int, runtime: ComputeRuntime) throws {
        let module: ModelFolder
        do { module = try ModelFolder(path: folder.path) } catch let error as ModelError {
            throw PipelineError.load(error.description)
        }
        let file = module.file("config.json")
        let settings = module.jsonObject("config.json")
        guard case .int(let inFeatures) = settings["in_features"],
            case .int(let outFeatures) = settings["out_features"]
        else { throw PipelineError.load("\(file.path) has no in_features / out_features") }
        guard inFeatures == inputWidth else {
            throw PipelineError.load(
                "\(file.path): in_features \(inFeatures) but the previous module gives \(inputWidth)")
        }
        let path = settings["activation_function"]?.stringValue ?? "torch.nn.modules.activation.Tanh"
        let name = path.split(separator: ".").last.map(String.init) ?? path
        guard path.hasPrefix("torch."), let activation = Activation(rawValue: name) else {
            throw PipelineError.load(
                "\(file.path): activation_function \(path) is not supported (supported: torch.nn Tanh, Identity, ReLU, Sigmoid, GELU)"
            )
        }
        self.activation = activation
        useResidual = settings["use_residual"] == .bool(true)
        do {
            let store = try WeightStore(files: try module.weightFiles(), runtime: runtime)
            linear = try Linear(
                store.scoped("linear"), in: inFeatures, out: outFeatures,
                bias: settings["bias"] != .bool(false))
            residual =
                useResidual && inFeatures != outFeatures
                ? try Linear(store.scoped("residual"), in: inFeatures, out: outFeatures, bias: false) : nil
        } catch let error as ModelError {
            throw PipelineError.load(error.description)
        }
    }

    func forward(_ x: [Float]) -> [Float] {
        var out = linear.forward(x, rows: 1)
        for o in out.indices {
            let sum = out[o]
            switch activation {
            case .tanh: out[o] = tanhf(sum)
            case .identity: break
            case .relu: out[o] = Swift.max(sum, 0)
            case .sigmoid: out[o] = 1 / (1 + expf(-sum))
            case .gelu: out[o] = 0.5 * sum * (1 + erff(sum / Float(2).squareRoot()))
            }
        }
        if useResidual {
            let skip = residual?.forward(x, rows: 1) ?? x
            for o in out.indices { out[o] += skip[o] }
        }
        return out
    }
}
