import Foundation
import SluiceModels

/// The modules of a sentence-transformers folder (`modules.json`): the Transformer (with
/// `sentence_bert_config.json`'s `max_seq_length` and `do_lower_case`), Pooling and Normalize.
struct SentenceTransformerModules: Sendable {
    /// Mirrors `sentence_transformers.models.Pooling`'s modes, in the order it concatenates them.
    struct Pooling: Sendable {
        var cls = false
        var max = false
        var mean = false
        var meanSqrtLen = false
    }

    var maxSeqLength: Int?
    var lowercase = false
    var pooling = Pooling()
    var normalize = false

    init(folder: ModelFolder, config: BertConfig) throws {
        let modulesURL = folder.file("modules.json")
        guard let data = try? Data(contentsOf: modulesURL),
            let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]
        else { throw PipelineError.load("\(modulesURL.path) is not a JSON list of modules") }
        var sawPooling = false
        for module in modules {
            let type = module["type"] as? String ?? ""
            let path = module["path"] as? String ?? ""
            let dir = path.isEmpty ? folder.url : folder.url.appendingPathComponent(path)
            switch type.split(separator: ".").last.map(String.init) ?? "" {
            case "Transformer":
                let settings = Self.readObject(dir.appendingPathComponent("sentence_bert_config.json"))
                maxSeqLength = (settings["max_seq_length"] as? NSNumber)?.intValue
                lowercase = settings["do_lower_case"] as? Bool ?? false
            case "Pooling":
                let settings = Self.readObject(dir.appendingPathComponent("config.json"))
                pooling.cls = settings["pooling_mode_cls_token"] as? Bool ?? false
                pooling.max = settings["pooling_mode_max_tokens"] as? Bool ?? false
                pooling.mean = settings["pooling_mode_mean_tokens"] as? Bool ?? false
                pooling.meanSqrtLen = settings["pooling_mode_mean_sqrt_len_tokens"] as? Bool ?? false
                for unsupported in [
                    "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken",
                ] where settings[unsupported] as? Bool == true {
                    throw PipelineError.load(
                        "\(dir.path)/config.json: \(unsupported) is not supported yet (supported: cls, max, mean, mean_sqrt_len_tokens)"
                    )
                }
                if let dimension = (settings["word_embedding_dimension"] as? NSNumber)?.intValue,
                    dimension != config.hiddenSize
                {
                    throw PipelineError.load(
                        "\(dir.path)/config.json: word_embedding_dimension \(dimension) differs from hidden_size \(config.hiddenSize)"
                    )
                }
                sawPooling = true
            case "Normalize":
                normalize = true
            default:
                throw PipelineError.load(
                    "\(modulesURL.path): module type \"\(type)\" is not supported (supported: Transformer, Pooling, Normalize)"
                )
            }
        }
        guard sawPooling else { throw PipelineError.load("\(modulesURL.path) names no Pooling module") }
        guard pooling.cls || pooling.max || pooling.mean || pooling.meanSqrtLen else {
            throw PipelineError.load("the Pooling module of \(folder.url.path) enables no pooling mode")
        }
    }

    private static func readObject(_ url: URL) -> [String: Any] {
        guard let data = try? Data(contentsOf: url),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return [:] }
        return object
    }

    /// Pools one sequence's token vectors (`[tokens, hidden]`) into its embedding, then
    /// L2-normalises it if the folder has a Normalize module.
    func embed(_ states: [Float], hidden h: Int) -> [Float] {
        let t = states.count / h
        var out: [Float] = []
        if pooling.cls { out += states[0..<h] }
        if pooling.max {
            var m = [Float](repeating: -.infinity, count: h)
            for r in 0..<t { for c in 0..<h { m[c] = Swift.max(m[c], states[r * h + c]) } }
            out += m
        }
        if pooling.mean || pooling.meanSqrtLen {
            var sum = [Float](repeating: 0, count: h)
            for r in 0..<t { for c in 0..<h { sum[c] += states[r * h + c] } }
            if pooling.mean { out += sum.map { $0 / Swift.max(Float(t), 1e-9) } }
            if pooling.meanSqrtLen { out += sum.map { $0 / Float(t).squareRoot() } }
        }
        if normalize {
            // torch.nn.functional.normalize: x / max(‖x‖₂, 1e-12)
            let norm = out.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            let scale = 1 / Swift.max(norm, 1e-12)
            out = out.map { $0 * scale }
        }
        return out
    }
}

extension PipelineTokenizer {
    /// The same tokenizer truncating (longest first, from the right) to `maxLength` tokens,
    /// as sentence-transformers calls it.
    func truncating(to maxLength: Int) -> PipelineTokenizer {
        var copy = self
        copy.setTruncation(maxLength: maxLength)
        return copy
    }
}
