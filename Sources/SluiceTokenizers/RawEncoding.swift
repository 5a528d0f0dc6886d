/// The encoding while it is being built: `tokenizers::Encoding` with its sequence ranges,
/// which truncation, merging and padding update and from which `sequenceIds` are derived.
struct RawEncoding: Sendable {
    var ids: [Int] = []
    var typeIds: [Int] = []
    var tokens: [String] = []
    var words: [Int?] = []
    var offsets: [TokenOffset] = []
    var specialTokensMask: [Int] = []
    var attentionMask: [Int] = []
    var overflowing: [RawEncoding] = []
    var sequenceRanges: [Int: Range<Int>] = [:]

    var count: Int { ids.count }

    mutating func setSequenceId(_ id: Int) {
        sequenceRanges[id] = 0..<count
    }

    mutating func setTypeIds(_ typeId: Int) {
        typeIds = Array(repeating: typeId, count: count)
    }

    func slice(_ range: Range<Int>) -> RawEncoding {
        RawEncoding(
            ids: Array(ids[range]), typeIds: Array(typeIds[range]), tokens: Array(tokens[range]),
            words: Array(words[range]), offsets: Array(offsets[range]),
            specialTokensMask: Array(specialTokensMask[range]),
            attentionMask: Array(attentionMask[range]))
    }

    /// Keeps at most `maxLength` tokens and moves the rest, in windows overlapping by `stride`,
    /// into `overflowing`. Mirrors `Encoding::truncate`.
    mutating func truncate(maxLength: Int, stride: Int, direction: TruncationParameters.Direction) throws {
        let length = count
        if maxLength >= length { return }
        if maxLength == 0 {
            let old = self
            self = RawEncoding()
            overflowing.append(old)
            return
        }
        guard stride < maxLength else {
            throw TokenizerError(
                "truncation: stride (\(stride)) must be less than the maximum length (\(maxLength)) "
                    + "left after the special tokens")
        }
        let step = maxLength - stride
        var parts = [Range<Int>]()
        switch direction {
        case .right:
            var start = 0
            while start < length {
                let stop = min(start + maxLength, length)
                parts.append(start..<stop)
                if stop == length { break }
                start += step
            }
        case .left:
            var last = length - 1
            while last >= 0 {
                let stop = last + 1
                let start = max(stop - maxLength, 0)
                if start < stop { parts.append(start..<stop) }
                if start == 0 { break }
                last -= step
            }
        }
        var result = slice(parts[0])
        result.overflowing = parts.dropFirst().map { slice($0) }
        self = result
    }

    /// Appends `pair`, combining overflowing windows as `Encoding::merge_with` does.
    mutating func merge(with pair: RawEncoding, growingOffsets: Bool) {
        var combined = [RawEncoding]()
        for own in overflowing {
            var merged = own
            merged.merge(with: pair, growingOffsets: growingOffsets)
            combined.append(merged)
            for other in pair.overflowing {
                var merged = own
                merged.merge(with: other, growingOffsets: growingOffsets)
                combined.append(merged)
            }
        }
        for other in pair.overflowing {
            var merged = self
            merged.merge(with: other, growingOffsets: growingOffsets)
            combined.append(merged)
        }
        let ownLength = count
        for (id, range) in pair.sequenceRanges {
            sequenceRanges[id] = (ownLength + range.lowerBound)..<(ownLength + range.upperBound)
        }
        ids += pair.ids
        typeIds += pair.typeIds
        tokens += pair.tokens
        words += pair.words
        let shift = growingOffsets ? (offsets.last?.end ?? 0) : 0
        offsets += pair.offsets.map { TokenOffset(start: $0.start + shift, end: $0.end + shift) }
        specialTokensMask += pair.specialTokensMask
        attentionMask += pair.attentionMask
        overflowing = combined
    }

    static func merge(_ encodings: [RawEncoding]) -> RawEncoding {
        var result = RawEncoding()
        for encoding in encodings {
            result.merge(with: encoding, growingOffsets: false)
        }
        return result
    }

    /// Pads to `length` tokens (and every overflowing window too). Mirrors `Encoding::pad`.
    mutating func pad(to length: Int, with parameters: PaddingParameters) {
        for index in overflowing.indices {
            overflowing[index].pad(to: length, with: parameters)
        }
        guard count < length else { return }
        let padCount = length - count
        switch parameters.direction {
        case .left:
            ids.insert(contentsOf: repeatElement(parameters.padId, count: padCount), at: 0)
            typeIds.insert(contentsOf: repeatElement(parameters.padTypeId, count: padCount), at: 0)
            tokens.insert(contentsOf: repeatElement(parameters.padToken, count: padCount), at: 0)
            words.insert(contentsOf: repeatElement(nil, count: padCount), at: 0)
            attentionMask.insert(contentsOf: repeatElement(0, count: padCount), at: 0)
            specialTokensMask.insert(contentsOf: repeatElement(1, count: padCount), at: 0)
            offsets.insert(
                contentsOf: repeatElement(TokenOffset(start: 0, end: 0), count: padCount), at: 0)
            for (id, range) in sequenceRanges {
                sequenceRanges[id] = (range.lowerBound + padCount)..<(range.upperBound + padCount)
            }
        case .right:
            ids += repeatElement(parameters.padId, count: padCount)
            typeIds += repeatElement(parameters.padTypeId, count: padCount)
            tokens += repeatElement(parameters.padToken, count: padCount)
            words += repeatElement(nil, count: padCount)
            attentionMask += repeatElement(0, count: padCount)
            specialTokensMask += repeatElement(1, count: padCount)
            offsets += repeatElement(TokenOffset(start: 0, end: 0), count: padCount)
        }
    }

    /// `Encoding::get_sequence_ids`: a sequence without a recorded range covers everything.
    var sequenceIds: [Int?] {
        var result = [Int?](repeating: nil, count: count)
        let sequences = sequenceRanges.isEmpty ? 1 : sequenceRanges.count
        for id in 0..<sequences {
            let range = sequenceRanges[id] ?? 0..<count
            for index in range where index < count { result[index] = id }
        }
        return result
    }

    var publicEncoding: Encoding {
        Encoding(
            ids: ids, typeIds: typeIds, tokens: tokens, offsets: offsets,
            specialTokensMask: specialTokensMask, attentionMask: attentionMask,
            sequenceIds: sequenceIds, wordIds: words, overflowing: overflowing.map(\.publicEncoding))
    }
}
