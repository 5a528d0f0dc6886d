/// A model repository on the Hugging Face hub at one revision: `org/name` (or a legacy
/// one-part id such as `bert-base-uncased`) and a branch, tag or commit, `main` by default.
///
/// ```swift
/// HubModelID("BAAI/bge-small-en-v1.5")        // main
/// HubModelID("BAAI/bge-small-en-v1.5@v1.0")   // a tag
/// ```
public struct HubModelID: Sendable, Equatable, CustomStringConvertible {
    /// `org/name`.
    public let repository: String
    /// A branch, tag or commit hash.
    public let revision: String

    /// Reads `org/name` or `org/name@revision`; `revision`, when given, wins over the one in
    /// the text. Nil when `text` is not shaped as a hub id (as huggingface_hub's
    /// `validate_repo_id` checks it: letters, digits, `-`, `_` and `.`, at most one `/`, no
    /// `--` or `..`, at most 96 characters).
    public init?(_ text: String, revision: String? = nil) {
        var id = Substring(text)
        var inline: Substring?
        if let at = text.lastIndex(of: "@") {
            id = text[..<at]
            inline = text[text.index(after: at)...]
            guard !(inline?.isEmpty ?? true) else { return nil }
        }
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), id.count <= 96, !id.contains("--"), !id.contains("..") else {
            return nil
        }
        for part in parts {
            guard let first = part.first, let last = part.last, first != ".", first != "-", last != ".",
                last != "-",
                part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else { return nil }
        }
        repository = String(id)
        self.revision = revision ?? inline.map(String.init) ?? "main"
    }

    /// `org/name@revision`, or `org/name` at `main`.
    public var description: String { revision == "main" ? repository : "\(repository)@\(revision)" }

    /// Its folder's name in the cache: `models--org--name`.
    var cacheFolderName: String { "models--" + repository.replacingOccurrences(of: "/", with: "--") }

    /// Whether the revision is a full commit hash, which never moves.
    var revisionIsCommit: Bool { Self.isCommit(revision) }

    /// Forty lowercase hexadecimal digits.
    static func isCommit(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
