import Foundation
import SluiceModels

/// A task Sluice serves, by its `transformers.pipeline` name (`fill-mask`, …). Each task's file
/// declares its name (`PipelineTask.fillMask`) beside the type that implements it.
public struct PipelineTask: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `transformers.pipeline` name.
    public let rawValue: String
    /// Other names transformers and the Inference API accept for the task.
    let aliases: [String]

    init(_ name: String, aliases: [String] = []) {
        rawValue = name
        self.aliases = aliases
    }

    /// The registered task of that name (its `transformers.pipeline` name only).
    public init?(rawValue: String) {
        guard let task = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = task
    }

    /// The registered task of that name, or of one of its other names (`ner`, `sentiment-analysis`).
    public init?(name: String) {
        guard let task = Self.allCases.first(where: { $0.rawValue == name || $0.aliases.contains(name) })
        else { return nil }
        self = task
    }

    public static func == (lhs: PipelineTask, rhs: PipelineTask) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    public var description: String { rawValue }

    /// Every task, in the order a folder's task is inferred.
    public static var allCases: [PipelineTask] { registered.map { $0.task } }

    /// The tasks and the types that implement them, one line each, in the order
    /// `infer(folder:config:)` asks them: sentence-transformers folders first (a `CrossEncoder`
    /// folder gives text ranking, a `SparseEncoder` folder sparse embeddings, another folder
    /// with `modules.json` sentence embeddings), then
    /// the heads `architectures` names, then a bare encoder. Zero-shot classification is never
    /// inferred: it must be asked for.
    static let registered: [any TaskPipeline.Type] = [
        TextRankingPipeline.self,
        SparseEmbeddingsPipeline.self,
        SentenceEmbeddingsPipeline.self,
        FillMaskPipeline.self,
        TextClassificationPipeline.self,
        TokenClassificationPipeline.self,
        QuestionAnsweringPipeline.self,
        FeatureExtractionPipeline.self,
        ZeroShotClassificationPipeline.self,
    ]

    /// The type that implements this task.
    var implementation: any TaskPipeline.Type {
        Self.registered.first { $0.task == self }!
    }

    /// The task a folder implies when none is given, as `transformers.pipeline` infers it from
    /// `architectures`, with sentence-transformers folders first (see `registered`).
    public static func infer(folder: ModelFolder, config: EncoderConfig) throws -> PipelineTask {
        if let implied = registered.first(where: { $0.isImplied(by: folder, config: config) }) {
            return implied.task
        }
        throw PipelineError.load(
            "cannot infer a task for architectures \(config.architectures) in \(folder.url.path); pass --task (supported: \(allCases.map(\.rawValue).joined(separator: ", ")))"
        )
    }

    /// The task whose head the checkpoint declares: for the first class in `architectures` that
    /// ends with a task's `architectureSuffix` (`BertForMaskedLM`), that task.
    static func declaredHead(of config: EncoderConfig) -> PipelineTask? {
        for architecture in config.architectures {
            let match = registered.first { type in
                type.definition.architectureSuffix.map { architecture.hasSuffix($0) } ?? false
            }
            if let match { return match.task }
        }
        return nil
    }
}
