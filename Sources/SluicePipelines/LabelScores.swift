import Foundation

// How the tasks turn a head's logits into ranked label scores, as numpy and Python's sort do it:
// one place for the rules on ties that every task's answer order depends on.

/// numpy's `exp(x - max) / sum(exp(x - max))` over one row.
func softmaxRow(_ logits: ArraySlice<Float>) -> [Float] {
    let top = logits.max() ?? 0
    let exps = logits.map { expf($0 - top) }
    let sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
}

/// numpy's `argmax`: the first of equal maxima.
func argmax(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

/// The indices of `scores`, highest score first, as Python's stable `sorted(..., reverse=True)`
/// orders them: equal scores keep their input order.
func highestFirst<Score: Comparable>(_ scores: [Score]) -> [Int] {
    scores.indices.sorted { a, b in scores[a] != scores[b] ? scores[a] > scores[b] : a < b }
}
