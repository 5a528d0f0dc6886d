import Hummingbird
import NIOCore

/// The request context of every Sluice route: Hummingbird's core storage plus the connection,
/// through which the inference route learns that its client went away.
public struct SluiceRequestContext: RequestContext {
    /// Hummingbird's per-request storage (logger, route parameters).
    public var coreContext: CoreRequestContextStorage
    /// The request's connection.
    let channel: any Channel

    /// Creates the context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The body limit is enforced by the inference route itself, with the 413 of DESIGN.md.
    public var maxUploadSize: Int { .max }
}
