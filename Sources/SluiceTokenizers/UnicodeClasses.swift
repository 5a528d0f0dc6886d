import Foundation

// Character classes exactly as the reference `tokenizers` (Rust) applies them.
//
// The reference takes general categories from the `unicode_categories` crate, whose tables are
// older than Swift's: "other" (Cc/Cf/Co/Cs) and punctuation follow Unicode 8.0, and its
// BertNormalizer strips Mn marks (same crate, Unicode 8.0). The StripAccents normalizer and NFD
// come from the crate `unicode-normalization-alignments`, on Unicode 9.0: it strips every mark
// (Mn, Mc and Me) and decomposes with Unicode 9.0 mappings and combining classes.
// Lowercasing and White_Space come from Rust's standard library, which agrees with Swift's.
// A scalar assigned after those versions is therefore "unassigned" for those classes, which
// `Unicode.Scalar.Properties.age` lets us reproduce. `unicode_classes.json` in the tests checks
// every code point against the reference.

/// Whether the scalar was assigned in Unicode `major.minor` or earlier.
@inline(__always)
private func assigned(_ scalar: Unicode.Scalar, byMajor major: Int, minor: Int) -> Bool {
    guard let age = scalar.properties.age else { return false }
    return age.major < major || (age.major == major && age.minor <= minor)
}

/// Whether the scalar's category, as Unicode `major.minor` had it, passes `test`: its category
/// today, if it was assigned by then. Scalars whose category changed since are the callers' to
/// list. (A closure rather than a list of categories: inlined, it compiles to the same switch.)
@inline(__always)
private func inCategory(
    _ scalar: Unicode.Scalar, byMajor major: Int, minor: Int, _ test: (Unicode.GeneralCategory) -> Bool
) -> Bool {
    test(scalar.properties.generalCategory) && assigned(scalar, byMajor: major, minor: minor)
}

extension Unicode.GeneralCategory {
    /// Cc, Cf, Co or Cs: the "other" categories BertNormalizer drops (`unicode_categories`'
    /// control, format, private-use and surrogate tests).
    fileprivate var isOther: Bool {
        switch self {
        case .control, .format, .privateUse, .surrogate: true
        default: false
        }
    }

    /// Pc, Pd, Ps, Pe, Pi, Pf or Po (`unicode_categories`' `is_punctuation`).
    fileprivate var isPunctuation: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            true
        default: false
        }
    }

    /// Mn, Mc or Me: any mark.
    fileprivate var isMark: Bool {
        switch self {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}

/// Rust's `char::is_whitespace`: the White_Space property.
@inline(__always)
func isUnicodeWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 {
        return value == 0x20 || (value >= 0x09 && value <= 0x0D)
    }
    return scalar.properties.isWhitespace
}

/// BertNormalizer's whitespace: White_Space plus tab, newline and carriage return.
@inline(__always)
func isBertWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    isUnicodeWhitespace(scalar)
}

/// BertNormalizer's control characters: categories Cc, Cf, Co, Cs (Unicode 8.0) except tab,
/// newline and carriage return.
@inline(__always)
func isBertControl(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 {
        return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0x7F
    }
    return inCategory(scalar, byMajor: 8, minor: 0) { $0.isOther }
}

/// BertPreTokenizer's punctuation: ASCII punctuation (which includes symbols such as `$` and
/// `+`) or a Unicode 8.0 punctuation category.
@inline(__always)
func isBertPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 {
        return (value >= 0x21 && value <= 0x2F) || (value >= 0x3A && value <= 0x40)
            || (value >= 0x5B && value <= 0x60) || (value >= 0x7B && value <= 0x7E)
    }
    // Both were punctuation (Po) in Unicode 8.0 and have changed category since.
    if value == 0x166D || value == 0x111C9 { return true }
    return inCategory(scalar, byMajor: 8, minor: 0) { $0.isPunctuation }
}

/// BertNormalizer's accent test (`unicode_categories`' `is_mark_nonspacing`): category Mn of
/// Unicode 8.0.
@inline(__always)
func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x300 { return false }
    switch value {
    case 0x1734, 0x1171E:
        return true  // Mn in Unicode 8.0, Mc since.
    case 0x1885, 0x1886, 0xA9BD, 0x111C9:
        return false  // Not Mn in Unicode 8.0, Mn since.
    default:
        return inCategory(scalar, byMajor: 8, minor: 0) { $0 == .nonspacingMark }
    }
}

/// The StripAccents normalizer's test (`unicode-normalization`'s `is_combining_mark`): any mark
/// of Unicode 9.0.
@inline(__always)
func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x300 { return false }
    // Marks (Mc) in Unicode 9.0, letters since; and a Unicode 9.0 punctuation, a mark since.
    if value == 0x1CF2 || value == 0x1CF3 { return true }
    if value == 0x111C9 { return false }
    return inCategory(scalar, byMajor: 9, minor: 0) { $0.isMark }
}

/// BertNormalizer's "Chinese character": the CJK Unified Ideographs blocks and their extensions.
@inline(__always)
func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
        0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
        return true
    default:
        return false
    }
}

/// Rust regex `\w` (Unicode): alphabetic, marks, decimal digits, connector punctuation, joiners.
func isRegexWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 {
        return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
            || (value >= 0x61 && value <= 0x7A) || value == 0x5F
    }
    let properties = scalar.properties
    if properties.isAlphabetic || properties.isJoinControl { return true }
    let category = properties.generalCategory
    return category.isMark || category == .decimalNumber || category == .connectorPunctuation
}

/// Appends Rust's `char::to_lowercase` of the scalar (one or more scalars).
@inline(__always)
func appendLowercase(of scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
    let value = scalar.value
    if value < 0x80 {
        if value >= 0x41 && value <= 0x5A {
            output.append(Unicode.Scalar(value + 0x20)!)
        } else {
            output.append(scalar)
        }
        return
    }
    if !scalar.properties.changesWhenLowercased {
        output.append(scalar)
        return
    }
    output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
}

/// The reference's canonical combining class (Unicode 9.0; 0 for later scalars).
@inline(__always)
func referenceCombiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
    if scalar.value < 0x300 { return 0 }
    let ccc = scalar.properties.canonicalCombiningClass.rawValue
    if ccc == 0 || !assigned(scalar, byMajor: 9, minor: 0) { return 0 }
    return ccc
}

/// Appends the reference's full decomposition of one scalar (canonical, or compatibility when
/// `compatibility` is set), without reordering. Scalars newer than Unicode 9.0 are kept as is.
func appendDecomposition(
    of scalar: Unicode.Scalar, compatibility: Bool, to output: inout [Unicode.Scalar]
) {
    if scalar.value < 0xA0 || !assigned(scalar, byMajor: 9, minor: 0) {
        output.append(scalar)
        return
    }
    let value = scalar.value
    if !compatibility {
        switch value {
        case ..<0xC0, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0x1F300...0x1FAFF:
            // No canonical decompositions here (Latin-1 controls, CJK ideographs, emoji).
            output.append(scalar)
            return
        default:
            break
        }
    }
    if value >= 0xAC00 && value <= 0xD7A3 {
        // Hangul syllables decompose algorithmically into two or three jamo.
        let index = value - 0xAC00
        output.append(Unicode.Scalar(0x1100 + index / 588)!)
        output.append(Unicode.Scalar(0x1161 + (index % 588) / 28)!)
        if index % 28 != 0 { output.append(Unicode.Scalar(0x11A7 + index % 28)!) }
        return
    }
    let single = String(Character(scalar))
    let decomposed =
        compatibility
        ? single.decomposedStringWithCompatibilityMapping : single.decomposedStringWithCanonicalMapping
    output.append(contentsOf: decomposed.unicodeScalars)
}

/// The primary composite of two scalars under the reference's Unicode 9.0 tables, if any.
func primaryComposite(_ first: Unicode.Scalar, _ second: Unicode.Scalar) -> Unicode.Scalar? {
    // Every canonical decomposition pair has its second scalar at U+0300 or above.
    guard second.value >= 0x300 else { return nil }
    // Hangul is algorithmic (and Foundation on Linux does not compose LV + T).
    let (a, b) = (first.value, second.value)
    if a >= 0x1100 && a <= 0x1112 && b >= 0x1161 && b <= 0x1175 {
        return Unicode.Scalar(0xAC00 + ((a - 0x1100) * 21 + (b - 0x1161)) * 28)
    }
    if a >= 0xAC00 && a <= 0xD7A3 && (a - 0xAC00) % 28 == 0 && b >= 0x11A8 && b <= 0x11C2 {
        return Unicode.Scalar(a + (b - 0x11A7))
    }
    var pair = String.UnicodeScalarView()
    pair.append(first)
    pair.append(second)
    let composed = String(pair).precomposedStringWithCanonicalMapping.unicodeScalars
    guard composed.count == 1, let composite = composed.first,
        assigned(composite, byMajor: 9, minor: 0)
    else { return nil }
    return composite
}
