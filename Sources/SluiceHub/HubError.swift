/// Why a model could not be had from the hub or the cache: one line that says what to do.
public enum HubError: Error, CustomStringConvertible, Equatable {
    /// The repository does not exist, or is private and the token does not open it.
    case notFound(String)
    /// The repository is gated: its terms must be accepted with the account whose token is given.
    case gated(String)
    /// The token was refused.
    case unauthorized(String)
    /// The revision does not exist in the repository.
    case revisionNotFound(String)
    /// The hub could not be reached, or answered with a server error.
    case network(String)
    /// A downloaded file is not what the hub said it is.
    case integrity(String)
    /// `HF_HUB_OFFLINE` is set and the cache does not hold the model.
    case offline(String)
    /// The cache could not be read or written.
    case cache(String)
    /// The repository has no model Sluice can load.
    case unusable(String)

    public var description: String {
        switch self {
        case .notFound(let message), .gated(let message), .unauthorized(let message),
            .revisionNotFound(let message), .network(let message), .integrity(let message),
            .offline(let message), .cache(let message), .unusable(let message):
            return message
        }
    }
}
