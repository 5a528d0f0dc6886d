import NIOCore
import NIOHTTP1

/// The parts of HTTP/1 that depend on a request's version, which the server's own handlers never
/// see (Hummingbird's requests carry none): it sits right after the HTTP/1 decoder and follows
/// each request to the end of its answer (answers leave in request order).
///
/// - `Expect: 100-continue` is answered `100 Continue`, so that a client that waits for it before
///   sending its body (curl with PUT uploads and large bodies, older curl with any body over
///   1 KiB; other clients can be told to) sends the body at once instead of after its own timeout
///   (curl's is 1 s, added to every such request). Hummingbird does not answer the expectation.
///   The `100` goes out once every earlier request on the connection has been answered (a 1xx in
///   the middle of another answer would corrupt it): at once, or as the last earlier answer ends.
///   An HTTP/1.0 request's expectation is ignored (RFC 9110, 10.1.1), and a request declaring a
///   body over `--max-body-bytes` gets no `100`, only its 413, so its client need not send it.
/// - HEAD is answered as GET without the body (RFC 9110: every server must take it; uptime
///   monitors and `curl -I` use it): passed on as GET, while the encoder, which the decoder told
///   the request was HEAD, sends the answer's head alone, its Content-Length included.
/// - An HTTP/1.0 request without `Connection: keep-alive` has the connection closed after its
///   answer, which says `Connection: close` (HTTP/1.0 clients may read an answer to the end of
///   the connection); one with it is told `Connection: keep-alive`, as HTTP/1.0 requires.
final class HTTP1ExchangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request read whose answer has not ended.
    private struct Exchange {
        /// An HTTP/1.0 request: its answer says whether the connection stays.
        var http10: Bool
        var keepAlive: Bool
        /// It asked for a `100` and its body has not begun to come.
        var wantsContinue: Bool
    }

    /// Oldest first; the request being read is the last.
    private var exchanges: [Exchange] = []
    /// A request declaring a longer body gets its 413 without a `100` first.
    private let maxBodyBytes: Int

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            let http10 = head.version.major == 1 && head.version.minor == 0
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            let wantsContinue =
                !http10 && head.version.major == 1 && declared <= maxBodyBytes
                && Self.expectsContinue(head.headers)
            exchanges.append(
                Exchange(http10: http10, keepAlive: head.isKeepAlive, wantsContinue: wantsContinue))
            if exchanges.count == 1 { continueIfAsked(context: context) }
            if head.method == .HEAD {
                head.method = .GET
                context.fireChannelRead(wrapInboundOut(.head(head)))
                return
            }
        case .body, .end:
            // Its body is coming (the client stopped waiting): a 100 now would be a stray.
            if !exchanges.isEmpty { exchanges[exchanges.count - 1].wantsContinue = false }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            if let exchange = exchanges.first {
                exchanges[0].wantsContinue = false
                // HTTP/1.0 is told whether the connection stays; an answer that closes it says so already.
                if exchange.http10,
                    !head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" })
                {
                    head.headers.replaceOrAdd(
                        name: "connection", value: exchange.keepAlive ? "keep-alive" : "close")
                }
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .head, .body:
            context.write(data, promise: promise)
        case .end:
            // An answer of the connection's own (a parse error's, a timeout's) answers no request read.
            let exchange = exchanges.isEmpty ? nil : exchanges.removeFirst()
            if let exchange, exchange.http10, !exchange.keepAlive {
                // Only the sending side: a body still on its way must not meet a reset.
                let written = promise ?? context.eventLoop.makePromise()
                context.write(data, promise: written)
                context.flush()
                let channel = context.channel
                written.futureResult.whenComplete { _ in channel.close(mode: .output, promise: nil) }
                return
            }
            context.write(data, promise: promise)
            continueIfAsked(context: context)
        }
    }

    /// Sends the `100` the oldest unanswered request asked for, once it is the oldest.
    private func continueIfAsked(context: ChannelHandlerContext) {
        guard exchanges.first?.wantsContinue == true else { return }
        exchanges[0].wantsContinue = false
        writeContinue(context: context)
    }

    private func writeContinue(context: ChannelHandlerContext) {
        context.writeAndFlush(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
    }

    /// Whether the `Expect` header holds the `100-continue` expectation (compared without case).
    static func expectsContinue(_ headers: HTTPHeaders) -> Bool {
        headers[canonicalForm: "expect"].contains { $0.lowercased() == "100-continue" }
    }
}
