import Foundation
import SluiceJSON

/// What `Split`, `Replace` and the `Replace` decoder search for: a literal string or a regular
/// expression (`{"String": …}` or `{"Regex": …}` in `tokenizer.json`).
///
/// The reference compiles regular expressions with Oniguruma; Swift's `Regex` understands the
/// same syntax for the patterns tokenizers use (`\p{L}`, `\s`, lookahead, `(?i:…)`), and runs
/// here with Unicode-scalar semantics so that positions are scalar positions.
enum TextPattern: @unchecked Sendable {
    case literal([Unicode.Scalar])
    case regex(Regex<AnyRegexOutput>, source: String)

    init(json value: JSONValue, path: String) throws {
        let json = try JSONObject(value, path: path)
        if let literal = try json.optionalString("String") {
            self = .literal(Array(literal.unicodeScalars))
        } else if let source = try json.optionalString("Regex") {
            do {
                self = .regex(
                    try Regex(onigurumaClasses(source)).matchingSemantics(.unicodeScalar), source: source)
            } catch {
                throw TokenizerError("\(path).Regex: cannot compile \"\(source)\": \(error)")
            }
        } else {
            throw TokenizerError("\(path) must be {\"String\": …} or {\"Regex\": …}")
        }
    }

    /// The reference's `find_matches`: consecutive ranges covering `text`, each flagged as a
    /// match or not. An empty text gives one empty non-match.
    func matches(in text: [Unicode.Scalar]) -> [(Range<Int>, Bool)] {
        if text.isEmpty { return [(0..<0, false)] }
        var found = [Range<Int>]()
        switch self {
        case .literal(let pattern):
            if pattern.isEmpty { return [(0..<text.count, false)] }
            var index = 0
            while index + pattern.count <= text.count {
                if text[index] == pattern[0] && text[index..<(index + pattern.count)].elementsEqual(pattern) {
                    found.append(index..<(index + pattern.count))
                    index += pattern.count
                } else {
                    index += 1
                }
            }
        case .regex(let regex, _):
            let string = String(scalars: text)
            // Scalar index of every UTF-8 offset that starts a scalar.
            var scalarAt = [Int](repeating: 0, count: string.utf8.count + 1)
            var utf8Offset = 0
            for (index, scalar) in text.enumerated() {
                scalarAt[utf8Offset] = index
                utf8Offset += UTF8.width(scalar)
            }
            scalarAt[utf8Offset] = text.count
            for match in string.matches(of: regex) {
                let start = string.utf8.distance(from: string.startIndex, to: match.range.lowerBound)
                let end = string.utf8.distance(from: string.startIndex, to: match.range.upperBound)
                found.append(scalarAt[start]..<scalarAt[end])
            }
        }
        var result = [(Range<Int>, Bool)]()
        var previous = 0
        for range in found {
            if previous != range.lowerBound { result.append((previous..<range.lowerBound, false)) }
            result.append((range, true))
            previous = range.upperBound
        }
        if previous != text.count { result.append((previous..<text.count, false)) }
        return result
    }
}

/// Rewrites the shorthand classes to Oniguruma's Unicode meaning, which Swift's differ from
/// (Swift's `\d` also takes CJK numerals such as 京, its `\w` every numeric): `\d` is Nd, `\w`
/// is letters, marks, Nd and Pc, `\s` is White_Space.
func onigurumaClasses(_ pattern: String) -> String {
    var result = ""
    var inClass = 0
    var escaped = false
    for character in pattern {
        if escaped {
            escaped = false
            switch character {
            case "d": result += "\\p{Nd}"
            case "D": result += "\\P{Nd}"
            case "s": result += "\\p{White_Space}"
            case "S": result += "\\P{White_Space}"
            case "w": result += inClass > 0 ? "\\p{L}\\p{M}\\p{Nd}\\p{Pc}" : "[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]"
            case "W" where inClass == 0: result += "[^\\p{L}\\p{M}\\p{Nd}\\p{Pc}]"
            default: result += "\\" + String(character)
            }
            continue
        }
        switch character {
        case "\\": escaped = true
        case "[":
            inClass += 1
            result.append(character)
        case "]":
            if inClass > 0 { inClass -= 1 }
            result.append(character)
        default: result.append(character)
        }
    }
    if escaped { result += "\\" }
    return result
}

extension NormalizedString.DelimiterBehavior {
    init(json value: JSONValue?, path: String, default defaultValue: Self) throws {
        guard let value else {
            self = defaultValue
            return
        }
        guard case .string(let name) = value else { throw TokenizerError("\(path) must be a string") }
        switch name {
        case "Removed": self = .removed
        case "Isolated": self = .isolated
        case "MergedWithPrevious": self = .mergedWithPrevious
        case "MergedWithNext": self = .mergedWithNext
        case "Contiguous": self = .contiguous
        default: throw TokenizerError("\(path): unknown split behavior \"\(name)\"")
        }
    }
}
