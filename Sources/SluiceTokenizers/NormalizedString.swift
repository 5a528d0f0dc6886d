/// A piece of the input as the normalizer changed it, with the alignment of every normalized
/// scalar to the original text.
///
/// Mirrors `tokenizers::NormalizedString`, in Unicode scalars instead of UTF-8 bytes: the
/// reference keeps one `(start, end)` pair per byte, but all bytes of a character share it, so
/// one pair per scalar carries the same information. `alignments[i]` is the range of original
/// scalars (relative to this piece) that normalized scalar `i` came from; `originalShift` is
/// where this piece starts in the whole original input.
struct NormalizedString: Sendable {
    var normalized: [Unicode.Scalar]
    var alignments: [TokenOffset]
    var originalShift: Int
    var originalCount: Int

    init(_ scalars: [Unicode.Scalar]) {
        normalized = scalars
        alignments = (0..<scalars.count).map { TokenOffset(start: $0, end: $0 + 1) }
        originalShift = 0
        originalCount = scalars.count
    }

    init(
        normalized: [Unicode.Scalar], alignments: [TokenOffset], originalShift: Int,
        originalCount: Int
    ) {
        self.normalized = normalized
        self.alignments = alignments
        self.originalShift = originalShift
        self.originalCount = originalCount
    }

    var isEmpty: Bool { normalized.isEmpty }
    var count: Int { normalized.count }
    var string: String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: normalized)
        return String(result)
    }

    /// The original range (relative to this piece) covered by normalized scalars `range`:
    /// from the start of the first one's alignment to the end of the last one's.
    func originalRange(ofNormalized range: Range<Int>) -> Range<Int>? {
        guard !range.isEmpty else { return nil }
        return alignments[range.lowerBound].start..<alignments[range.upperBound - 1].end
    }

    /// The sub-piece for normalized scalars `range`; like the reference's `slice` with a
    /// normalized range.
    func slice(_ range: Range<Int>) -> NormalizedString {
        let original = originalRange(ofNormalized: range) ?? range
        let shift = original.lowerBound
        return NormalizedString(
            normalized: Array(normalized[range]),
            alignments: alignments[range].map { TokenOffset(start: $0.start - shift, end: $0.end - shift) },
            originalShift: originalShift + shift,
            originalCount: original.count)
    }

    // MARK: Transformations

    /// Replaces the normalized scalars in `range` by `changes`, each a new scalar and how it
    /// relates to the old ones: `0` replaces the next old scalar, `1` is inserted (it takes the
    /// alignment of the previous old scalar), `-n` replaces the next old scalar and removes the
    /// `n` after it. `initialOffset` old scalars are removed before the first change.
    mutating func transform(
        range: Range<Int>, _ changes: [(Unicode.Scalar, Int)], initialOffset: Int
    ) {
        var offset = range.lowerBound + initialOffset
        var newScalars = [Unicode.Scalar]()
        var newAlignments = [TokenOffset]()
        newScalars.reserveCapacity(changes.count)
        newAlignments.reserveCapacity(changes.count)
        for (scalar, change) in changes {
            let alignment: TokenOffset
            if change > 0 {
                alignment = offset < 1 ? TokenOffset(start: 0, end: 0) : alignments[offset - 1]
            } else {
                alignment = alignments[offset]
                offset += 1 - change
            }
            newScalars.append(scalar)
            newAlignments.append(alignment)
        }
        normalized.replaceSubrange(range, with: newScalars)
        alignments.replaceSubrange(range, with: newAlignments)
    }

    /// Keeps the scalars for which `keep` is true, each with its own alignment.
    mutating func filter(_ keep: (Unicode.Scalar) -> Bool) {
        var write = 0
        for read in 0..<normalized.count where keep(normalized[read]) {
            normalized[write] = normalized[read]
            alignments[write] = alignments[read]
            write += 1
        }
        normalized.removeSubrange(write...)
        alignments.removeSubrange(write...)
    }

    /// Replaces every scalar by `map(scalar)`, keeping alignments.
    mutating func map(_ map: (Unicode.Scalar) -> Unicode.Scalar) {
        for index in 0..<normalized.count {
            normalized[index] = map(normalized[index])
        }
    }

    /// Replaces every scalar by zero or more scalars that all take its alignment.
    mutating func expand(_ body: (Unicode.Scalar, inout [Unicode.Scalar]) -> Void) {
        var newScalars = [Unicode.Scalar]()
        var newAlignments = [TokenOffset]()
        newScalars.reserveCapacity(normalized.count)
        newAlignments.reserveCapacity(normalized.count)
        for index in 0..<normalized.count {
            let before = newScalars.count
            body(normalized[index], &newScalars)
            for _ in before..<newScalars.count {
                newAlignments.append(alignments[index])
            }
        }
        normalized = newScalars
        alignments = newAlignments
    }

    mutating func lowercase() {
        if normalized.allSatisfy({ $0.value < 0x80 }) {
            map { scalar in
                let value = scalar.value
                return value >= 0x41 && value <= 0x5A ? Unicode.Scalar(value + 0x20)! : scalar
            }
            return
        }
        expand { scalar, output in appendLowercase(of: scalar, to: &output) }
    }

    /// NFD or NFKD: decomposes every scalar, then puts runs of combining marks in canonical
    /// order. A scalar's first decomposed scalar replaces it and the others are inserted
    /// after it; reordering moves those (scalar, change) pairs together, as the reference does.
    mutating func decompose(compatibility: Bool) {
        if normalized.allSatisfy({ $0.value < 0xA0 }) { return }
        var changes = [(Unicode.Scalar, Int)]()
        changes.reserveCapacity(normalized.count)
        var buffer = [Unicode.Scalar]()
        for scalar in normalized {
            buffer.removeAll(keepingCapacity: true)
            appendDecomposition(of: scalar, compatibility: compatibility, to: &buffer)
            for (index, decomposed) in buffer.enumerated() {
                changes.append((decomposed, index == 0 ? 0 : 1))
            }
        }
        reorderCanonically(&changes)
        transform(range: 0..<normalized.count, changes, initialOffset: 0)
    }

    /// NFC or NFKC: decomposes, then applies canonical composition. A composite takes the
    /// alignment of the starter it replaces; the scalars it absorbs disappear with theirs.
    mutating func compose(compatibility: Bool) {
        decompose(compatibility: compatibility)
        guard normalized.contains(where: { $0.value >= 0x300 }) else { return }
        var scalars = [Unicode.Scalar]()
        var newAlignments = [TokenOffset]()
        scalars.reserveCapacity(normalized.count)
        newAlignments.reserveCapacity(normalized.count)
        var starter: Int?
        var lastClass: UInt8 = 0
        var sinceStarter = false
        for index in 0..<normalized.count {
            let scalar = normalized[index]
            let combiningClass = referenceCombiningClass(scalar)
            if let starter, !sinceStarter || (lastClass != 0 && lastClass < combiningClass),
                let composite = primaryComposite(scalars[starter], scalar)
            {
                scalars[starter] = composite
                continue
            }
            if combiningClass == 0 {
                starter = scalars.count
                sinceStarter = false
                lastClass = 0
            } else {
                sinceStarter = true
                lastClass = combiningClass
            }
            scalars.append(scalar)
            newAlignments.append(alignments[index])
        }
        normalized = scalars
        alignments = newAlignments
    }

    /// Removes leading and/or trailing whitespace.
    mutating func strip(left: Bool, right: Bool) {
        var start = 0
        var end = normalized.count
        if left {
            while start < end && isUnicodeWhitespace(normalized[start]) { start += 1 }
        }
        if right {
            while end > start && isUnicodeWhitespace(normalized[end - 1]) { end -= 1 }
        }
        if start == 0 && end == normalized.count { return }
        normalized = Array(normalized[start..<end])
        alignments = Array(alignments[start..<end])
    }

    /// Puts `prefix` before a non-empty string; the new scalars take the first scalar's
    /// alignment (the reference's `prepend`).
    mutating func prepend(_ prefix: [Unicode.Scalar]) {
        guard let first = normalized.first, !prefix.isEmpty else { return }
        var changes = prefix.enumerated().map { index, scalar in (scalar, index == 0 ? 0 : 1) }
        changes.append((first, 1))
        transform(range: 0..<1, changes, initialOffset: 0)
    }

    /// Replaces every match of `pattern` by `content`; the new scalars take the alignment of
    /// the match's last scalar (the reference's `replace`).
    mutating func replace(_ pattern: TextPattern, with content: [Unicode.Scalar]) {
        let changes = content.map { ($0, 1) }
        for (range, isMatch) in pattern.matches(in: normalized).reversed() where isMatch {
            transform(range: range, changes, initialOffset: range.count)
        }
    }

    // MARK: Splitting

    /// How a delimiter found while splitting is kept; mirrors `SplitDelimiterBehavior`.
    enum DelimiterBehavior {
        case removed, isolated, mergedWithPrevious, mergedWithNext, contiguous
    }

    /// Splits on every scalar for which `isDelimiter` is true (each one is its own match).
    func split(
        where isDelimiter: (Unicode.Scalar) -> Bool, behavior: DelimiterBehavior
    ) -> [NormalizedString] {
        var matches = [(Range<Int>, Bool)]()
        var start = 0
        for index in 0..<normalized.count where isDelimiter(normalized[index]) {
            if start < index { matches.append((start..<index, false)) }
            matches.append((index..<index + 1, true))
            start = index + 1
        }
        if start < normalized.count || matches.isEmpty {
            matches.append((start..<normalized.count, false))
        }
        return split(matches: matches, behavior: behavior)
    }

    /// Splits along `matches` (ranges covering the whole string, `true` for a delimiter).
    func split(matches: [(Range<Int>, Bool)], behavior: DelimiterBehavior) -> [NormalizedString] {
        var pieces = [Range<Int>]()
        switch behavior {
        case .removed:
            pieces = matches.filter { !$0.1 }.map(\.0)
        case .isolated:
            pieces = matches.map(\.0)
        case .contiguous:
            var previous = false
            for (range, isMatch) in matches {
                if isMatch == previous, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<range.upperBound
                } else {
                    pieces.append(range)
                }
                previous = isMatch
            }
        case .mergedWithPrevious:
            var previous = false
            for (range, isMatch) in matches {
                if isMatch && !previous, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<range.upperBound
                } else {
                    pieces.append(range)
                }
                previous = isMatch
            }
        case .mergedWithNext:
            var previous = false
            for (range, isMatch) in matches.reversed() {
                if isMatch && !previous, let last = pieces.last {
                    pieces[pieces.count - 1] = range.lowerBound..<last.upperBound
                } else {
                    pieces.append(range)
                }
                previous = isMatch
            }
            pieces.reverse()
        }
        return pieces.map { slice($0) }
    }
}

/// Stable-sorts each run of non-starters by combining class, carrying each scalar's change.
private func reorderCanonically(_ changes: inout [(Unicode.Scalar, Int)]) {
    var index = 0
    while index < changes.count {
        guard referenceCombiningClass(changes[index].0) != 0 else {
            index += 1
            continue
        }
        var end = index + 1
        while end < changes.count && referenceCombiningClass(changes[end].0) != 0 {
            end += 1
        }
        if end - index > 1 {
            // Insertion sort: runs are short and it is stable.
            for i in (index + 1)..<end {
                let item = changes[i]
                let ccc = referenceCombiningClass(item.0)
                var j = i
                while j > index && referenceCombiningClass(changes[j - 1].0) > ccc {
                    changes[j] = changes[j - 1]
                    j -= 1
                }
                changes[j] = item
            }
        }
        index = end
    }
}
