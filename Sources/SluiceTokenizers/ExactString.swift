/// A string compared and hashed by its exact Unicode scalars.
///
/// Swift's `String` equality is canonical equivalence ("é" == "e\u{301}"), but the reference
/// compares bytes, and vocabularies hold both spellings with different ids. Every vocabulary
/// and added-token table is keyed by this.
struct ExactString: Hashable, Sendable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Whether the two strings have exactly the same scalars (not canonical equivalence).
    func isExactly(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    /// Whether the string starts with exactly the scalars of `prefix`.
    func hasExactPrefix(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }
}
