import NIOCore
import NIOHTTP1

/// Answers `Expect: 100-continue` with `100 Continue`, so that a client that waits for it before
/// sending its body (curl with PUT uploads and large bodies, older curl with any body over 1 KiB;
/// other clients can be told to) sends the body at once instead of after its own timeout (curl's
/// is 1 s, added to every such request). Hummingbird does not answer the expectation.
///
/// It sits right after the HTTP/1 decoder, where a request's version is known: an HTTP/1.0
/// request's expectation is ignored (RFC 9110, 10.1.1). The `100` goes out when every earlier
/// request on the connection has been answered (answers leave in order, and a 1xx in the middle
/// of another answer would corrupt it): at once, or as the last earlier answer ends. A request
/// answered without its body (a 413 on its declared length, say) still gets the `100` first; the
/// client then sends a body nobody reads, which the server's rules for an unread body cover.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests read whose final answers have not ended.
    private var answersOwed = 0
    /// Whether the last request asked for a `100` that waits for the answers before it.
    private var continueOwed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            answersOwed += 1
            if head.version.major == 1, head.version.minor >= 1, Self.expectsContinue(head.headers) {
                if answersOwed == 1 {
                    writeContinue(context: context)
                } else {
                    continueOwed = true
                }
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        context.write(data, promise: promise)
        answersOwed -= 1
        if continueOwed, answersOwed == 1 {
            continueOwed = false
            writeContinue(context: context)
        }
    }

    private func writeContinue(context: ChannelHandlerContext) {
        context.writeAndFlush(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
    }

    /// Whether the `Expect` header holds the `100-continue` expectation (compared without case).
    static func expectsContinue(_ headers: HTTPHeaders) -> Bool {
        headers["expect"].contains { value in
            value.split(separator: ",").contains {
                $0.trimmingCharacters(in: .whitespaces).lowercased() == "100-continue"
            }
        }
    }
}
