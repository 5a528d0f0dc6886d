import SluiceJSON

/// Which of a repository's files a model needs: its config, its tokenizer's files, one copy of
/// its weights (safetensors before torch `.bin`, a sharded checkpoint's index and shards), and
/// for a sentence-transformers folder `modules.json`, its settings and the files of each module
/// it lists. Never ONNX, OpenVINO, TensorFlow, Flax or Rust copies, nor anything else.
enum ModelFiles {
    /// Files at the top of the folder that a model or its tokenizer may read.
    static let settings: [String] = [
        "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json",
        "vocab.txt", "vocab.json", "merges.txt", "spm.model", "sentencepiece.bpe.model", "spiece.model",
        "tokenizer.model", "modules.json", "config_sentence_transformers.json", "sentence_bert_config.json",
    ]

    /// Weight files in the order they are preferred: one file, else a sharded index.
    static let weights: [String] = [
        "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
        "pytorch_model.bin.index.json",
    ]

    /// Folders and extensions of copies for other runtimes.
    static let foreignFolders = ["onnx/", "openvino/", "coreml/", "tflite/"]
    static let foreignExtensions = [
        ".onnx", ".onnx_data", ".h5", ".msgpack", ".ot", ".tflite", ".mlmodel", ".xml", ".pb", ".gguf",
    ]

    /// The settings files present in `files`, and the preferred weights (nil for none).
    static func firstPass(_ files: Set<String>) -> (settings: [String], weights: String?) {
        (settings.filter(files.contains), weights.first(where: files.contains))
    }

    /// The shards a sharded checkpoint's index names (`weight_map` values), in name order.
    static func shards(index: JSONValue) -> [String] {
        let names = (index["weight_map"]?.objectMembers ?? []).compactMap { $0.value.stringValue }
        return Set(names).sorted()
    }

    /// The files of each module `modules.json` lists under a folder (`1_Pooling/config.json`,
    /// `2_Dense/model.safetensors`), without other runtimes' copies, and a module's torch `.bin`
    /// only where it has no safetensors.
    static func moduleFiles(_ files: [String], modules: JSONValue) -> [String] {
        let folders = (modules.arrayValue ?? []).compactMap { $0["path"]?.stringValue }.filter { !$0.isEmpty }
        var chosen: [String] = []
        for folder in folders {
            let prefix = folder.hasSuffix("/") ? folder : folder + "/"
            let inside = files.filter { $0.hasPrefix(prefix) && isNative($0.dropFirst(prefix.count)) }
            let hasSafetensors = inside.contains { $0.hasSuffix(".safetensors") }
            chosen += inside.filter { !(hasSafetensors && $0.hasSuffix(".bin")) }
        }
        return chosen
    }

    /// Whether a path inside a module's folder is one of this runtime's files.
    private static func isNative(_ path: Substring) -> Bool {
        !foreignFolders.contains { path.hasPrefix($0) } && !foreignExtensions.contains { path.hasSuffix($0) }
    }
}
