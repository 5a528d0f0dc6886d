import Foundation

/// SentencePiece's precompiled character map (`precompiled_charsmap` of a `Precompiled`
/// normalizer): a Darts double-array trie over UTF-8 bytes whose values index a blob of
/// NUL-terminated replacement strings. Mirrors the `spm_precompiled` crate and
/// `tokenizers::normalizers::Precompiled`.
///
/// Blob layout: a little-endian `u32` trie size in bytes, the trie (little-endian `u32` units),
/// then the replacement strings.
struct PrecompiledNormalizer: Normalizer {
    private let units: [UInt32]
    private let replacements: [UInt8]
    /// The replacement of each ASCII character alone (nil: kept), looked up once.
    private var asciiReplacements: [[Unicode.Scalar]?] = []

    init(base64: String) throws {
        guard let data = Data(base64Encoded: base64) else {
            throw TokenizerError("Precompiled: precompiled_charsmap is not valid base64")
        }
        let bytes = [UInt8](data)
        if bytes.isEmpty {
            units = []
            replacements = []
            return
        }
        guard bytes.count >= 4 else { throw TokenizerError("Precompiled: precompiled_charsmap is truncated") }
        let trieSize = Int(littleEndianUInt32(bytes, at: 0))
        guard trieSize % 4 == 0, 4 + trieSize <= bytes.count else {
            throw TokenizerError("Precompiled: the trie size \(trieSize) does not fit the charsmap")
        }
        units = stride(from: 4, to: 4 + trieSize, by: 4).map { littleEndianUInt32(bytes, at: $0) }
        replacements = Array(bytes[(4 + trieSize)...])
        guard String(validating: replacements, as: UTF8.self) != nil else {
            throw TokenizerError("Precompiled: the replacement strings are not valid UTF-8")
        }
        asciiReplacements = (0..<128).map { replacement(for: [UInt8($0)]) }
    }

    /// The replacement for the shortest entry that `chunk` starts with (not necessarily all of
    /// `chunk`: the reference replaces the whole chunk by it all the same).
    func replacement(for chunk: some Collection<UInt8>) -> [Unicode.Scalar]? {
        guard !units.isEmpty else { return nil }
        var position = 0
        position ^= Self.offset(units[0])
        for byte in chunk {
            if byte == 0 { break }
            position ^= Int(byte)
            guard position < units.count else { return nil }
            let unit = units[position]
            if Self.label(unit) != UInt32(byte) { return nil }
            position ^= Self.offset(unit)
            if Self.hasLeaf(unit) {
                guard position < units.count else { return nil }
                let start = Int(units[position] & 0x7FFF_FFFF)
                var end = start
                while end < replacements.count && replacements[end] != 0 { end += 1 }
                guard start <= end else { return nil }
                return Array(String(decoding: replacements[start..<end], as: UTF8.self).unicodeScalars)
            }
        }
        return nil
    }

    private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    private static func label(_ unit: UInt32) -> UInt32 { unit & (0x8000_0000 | 0xFF) }
    private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }

    func normalize(_ string: inout NormalizedString) {
        guard !units.isEmpty, !string.isEmpty else { return }
        var changes = [(Unicode.Scalar, Int)]()
        changes.reserveCapacity(string.count)
        var modified = false
        /// One scalar's change: its replacement where the table has one, else itself.
        func change(_ scalar: Unicode.Scalar, to new: [Unicode.Scalar]?) {
            if let new {
                modified = true
                Self.replace(&changes, oldCount: 1, new: new)
            } else {
                changes.append((scalar, 0))
            }
        }
        // ASCII text: every character is its own grapheme but "\r\n", and the table has them.
        if string.normalized.allSatisfy({ $0.value < 0x80 }) && !string.normalized.contains("\r") {
            for scalar in string.normalized {
                change(scalar, to: asciiReplacements[Int(scalar.value)])
            }
        } else {
            var utf8 = [UInt8]()
            for grapheme in string.string {
                let scalars = grapheme.unicodeScalars
                utf8.removeAll(keepingCapacity: true)
                utf8.append(contentsOf: grapheme.utf8)
                if utf8.count < 6, let new = replacement(for: utf8) {
                    modified = true
                    Self.replace(&changes, oldCount: scalars.count, new: new)
                    continue
                }
                for scalar in scalars {
                    change(scalar, to: replacement(for: String(scalar).utf8))
                }
            }
        }
        if modified {
            string.transform(range: 0..<string.count, changes, initialOffset: 0)
        }
    }

    /// The reference's `replace`: new scalars replace old ones one for one; extra new ones are
    /// insertions; fewer new ones make the last change (possibly an earlier scalar's) absorb
    /// the removals.
    private static func replace(
        _ changes: inout [(Unicode.Scalar, Int)], oldCount: Int, new: [Unicode.Scalar]
    ) {
        let difference = new.count - oldCount
        changes.append(contentsOf: new.map { ($0, 0) })
        if difference > 0 {
            for index in (changes.count - difference)..<changes.count { changes[index].1 = 1 }
        } else if difference < 0, !changes.isEmpty {
            changes[changes.count - 1].1 += difference
        }
    }
}

private func littleEndianUInt32(_ bytes: [UInt8], at index: Int) -> UInt32 {
    UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
        | UInt32(bytes[index + 3]) << 24
}
