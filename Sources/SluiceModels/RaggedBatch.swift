/// Token sequences of different lengths laid end to end: one row per token, no padding.
///
/// The dense layers run over all rows as one matrix; attention runs per sequence.
public struct RaggedBatch: Sendable, Equatable {
    /// Token ids of every sequence, concatenated.
    public var ids: [Int32]
    /// Token type (segment) ids, parallel to `ids`.
    public var typeIds: [Int32]
    /// Each sequence's rows.
    public var sequences: [Range<Int>]

    /// An empty batch.
    public init() {
        ids = []
        typeIds = []
        sequences = []
    }

    /// Appends one sequence.
    public mutating func append(ids newIds: [Int], typeIds newTypes: [Int]) {
        precondition(newIds.count == newTypes.count)
        let start = ids.count
        ids.append(contentsOf: newIds.map { Int32(truncatingIfNeeded: $0) })
        typeIds.append(contentsOf: newTypes.map { Int32(truncatingIfNeeded: $0) })
        sequences.append(start..<ids.count)
    }

    /// Appends the sequence of `other` at `rows`.
    mutating func append(_ rows: Range<Int>, of other: RaggedBatch) {
        let start = ids.count
        ids += other.ids[rows]
        typeIds += other.typeIds[rows]
        sequences.append(start..<ids.count)
    }

    /// Total rows.
    public var tokenCount: Int { ids.count }
    /// Longest sequence.
    public var maxLength: Int { sequences.map(\.count).max() ?? 0 }
}
