/// An error raised while loading a `tokenizer.json` or encoding with it.
///
/// The message names what is at fault: the component (`normalizer type "Foo"`), the field
/// (`model.unk_token`) or the file, so that a reader can act on it without a debugger.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, in words for a human.
    public var message: String

    /// Creates an error with the given message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
