import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// What each client connection may hold: the time to send a request, the time to sit idle, and
/// how many connections may be open at once (`--read-timeout-s`, `--idle-timeout-s`,
/// `--max-connections`).
///
/// - A request whose head or body has not fully arrived `readTimeout` after its first byte is
///   answered 408 and its connection closed (a slow or stalled client cannot hold a connection,
///   its memory and its descriptor for ever). When the server has already begun its answer
///   (a 413 before the body ended), the connection is only closed.
/// - A connection with no request in progress and no byte read or written for `idleTimeout` is
///   closed without an answer (Hummingbird's idle timer), as keep-alive clients expect.
/// - A connection accepted while `maxConnections` are open is refused: each request on it is
///   answered 503 (`Retry-After: 1`) and the connection closed, except health probes
///   (`/health`, `/v2/health/live`, `/v2/health/ready`), which are answered as usual so that
///   a load balancer does not take a busy server for a dead one. The open connections go on
///   undisturbed.
struct ConnectionLimits: Sendable {
    var readTimeout: TimeAmount
    var idleTimeout: TimeAmount
    var maxConnections: Int
    /// The largest body taken (`--max-body-bytes`): a request declaring more is not invited to
    /// send it (`Expect: 100-continue` gets its 413 instead of a 100).
    var maxBodyBytes: Int

    /// Paths a refused connection still answers.
    static let probePaths: Set<String> = ["/health", "/v2/health/live", "/v2/health/ready"]
}

/// The count of open connections and the metrics of `ConnectionLimits`:
/// `sluice_open_connections` (a gauge), `sluice_connections_refused_total` and
/// `sluice_request_read_timeouts_total`.
final class ConnectionCounter: Sendable {
    private let open = NIOLockedValueBox(0)
    private let openGauge: Gauge
    private let refused: Counter
    private let readTimeouts: Counter

    init(factory: any MetricsFactory) {
        openGauge = Gauge(label: "sluice_open_connections", factory: factory)
        refused = Counter(label: "sluice_connections_refused_total", factory: factory)
        readTimeouts = Counter(label: "sluice_request_read_timeouts_total", factory: factory)
        openGauge.record(0)
    }

    /// Counts a new connection; false when it makes more than `limit` open.
    func accept(limit: Int) -> Bool {
        // The gauge is set under the lock, so that concurrent changes reach it in order.
        let count = open.withLockedValue { count in
            count += 1
            openGauge.record(count)
            return count
        }
        if count > limit { refused.increment() }
        return count <= limit
    }

    /// Counts a connection gone.
    func close() {
        open.withLockedValue { count in
            count -= 1
            openGauge.record(count)
        }
    }

    /// Counts a request cut off by the read timeout.
    func countReadTimeout() { readTimeouts.increment() }
}

/// Hummingbird's HTTP/1 child channel with `ConnectionLimits` around it: a byte-level handler
/// first in each connection's pipeline (it sees a request's first byte before the HTTP decoder
/// does) and a request-level one after the decoder (it sees where a request ends and where its
/// answer begins).
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let limits: ConnectionLimits
    let counter: ConnectionCounter

    /// Builds the server: `additionalChannelHandlers` come after the guard's request-level handler.
    static func server(
        limits: ConnectionLimits, counter: ConnectionCounter,
        additionalChannelHandlers: @escaping @Sendable () -> [any RemovableChannelHandler]
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                http: HTTP1Channel(
                    responder: responder,
                    configuration: .init(
                        additionalChannelHandlers: [RequestBoundaryHandler()] + additionalChannelHandlers(),
                        idleTimeout: limits.idleTimeout)),
                limits: limits, counter: counter)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let accepted = counter.accept(limit: limits.maxConnections)
        let counter = counter
        channel.closeFuture.whenComplete { _ in counter.close() }
        if !accepted {
            logger.debug("connection refused: too many open", metadata: ["limit": "\(limits.maxConnections)"])
        }
        let guardHandler = ReadTimeoutHandler(
            readTimeout: limits.readTimeout, refusing: !accepted, counter: counter, logger: logger)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(guardHandler, position: .first)
        }.flatMap {
            http.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            // Right after the HTTP/1 decoder, where requests still carry their version.
            let decoder = try channel.pipeline.syncOperations.handler(
                type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(
                HTTP1ExchangeHandler(maxBodyBytes: limits.maxBodyBytes), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}

/// First in the pipeline, on raw bytes: starts the read timer at a request's first byte and, when
/// it fires before the request has fully arrived, sends `RequestReadTimedOut` down the pipeline
/// (`RequestBoundaryHandler` answers 408, or closes if an answer has begun). The boundary
/// handler tells it where requests end.
final class ReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let readTimeout: TimeAmount
    /// Whether this connection is over the limit (`RequestBoundaryHandler` refuses its requests).
    let refusing: Bool
    private let counter: ConnectionCounter
    private let logger: Logger

    /// Whether part of a request has been read and not yet its end.
    private var requestOpen = false
    /// Whether a request's end was read in the part of a read being passed on.
    private var endedInPart = false
    /// Whether the connection is ending (its last answer chosen): no timer starts again.
    private var stopped = false
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(readTimeout: TimeAmount, refusing: Bool, counter: ConnectionCounter, logger: Logger) {
        self.readTimeout = readTimeout
        self.refusing = refusing
        self.counter = counter
        self.logger = logger
    }

    /// Passes a read on in two parts, split before its last byte that is not a line break. The
    /// decoder reports a request's end (`requestEnded`) as it reads that request's last byte, and
    /// a new request only at its whole head (`requestBegan`), so the split tells whether a request
    /// that ended in this read was followed by the start of another: when it ended in the first
    /// part and nothing began after it, that last byte (not a line break, which the decoder skips
    /// between requests) belongs to a request whose head has not all come, and it is timed from
    /// here. A request that ended in the second part ended at that byte or in the line breaks
    /// after it: nothing more was sent.
    ///
    /// Once the decoder has failed (`stop`), reads are dropped: it would answer each with another
    /// error, and the connection's last answer is already chosen. Line breaks alone start no
    /// timer, since the decoder skips them between requests.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !stopped else { return }
        var bytes = unwrapInboundIn(data)
        let split = bytes.readableBytesView.lastIndex { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        if !requestOpen, split != nil { startTimer(context: context) }
        guard let split, split > bytes.readerIndex else {
            context.fireChannelRead(data)
            return
        }
        let first = bytes.readSlice(length: split - bytes.readerIndex)!
        endedInPart = false
        context.fireChannelRead(wrapInboundOut(first))
        guard !stopped else { return }
        let endedBeforeLast = endedInPart
        endedInPart = false
        context.fireChannelRead(wrapInboundOut(bytes))
        if endedBeforeLast, !endedInPart, !requestOpen {
            startTimer(context: context)
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    /// The decoder has read a request's end: the next byte that is not a line break starts a new
    /// request.
    func requestEnded() {
        requestOpen = false
        endedInPart = true
        cancelTimer()
    }

    /// The decoder has failed: nothing more is timed or passed on.
    func stop() {
        stopped = true
        requestOpen = false
        cancelTimer()
    }

    /// The decoder has read a request's head. Its timer is already running unless the request
    /// began in the same read as the previous one ended (pipelined), after that end, and its head
    /// came whole in that read: then it starts now, so that a pipelined request stalled in its
    /// body is cut off too.
    func requestBegan() {
        guard !requestOpen, let context else { return }
        startTimer(context: context)
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard !stopped else { return }
        requestOpen = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: readTimeout) {
            let (handler, context) = loopBound.value
            handler.timeoutFired(context: context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func timeoutFired(context: ChannelHandlerContext) {
        timer = nil
        guard requestOpen, context.channel.isActive else { return }
        counter.countReadTimeout()
        logger.debug("request not received in time; closing")
        // `RequestBoundaryHandler`, past the decoder, answers it as it answers every error of its own.
        context.fireUserInboundEventTriggered(RequestReadTimedOut())
    }
}

/// The read timeout fired before the open request fully arrived.
struct RequestReadTimedOut {}

/// After the HTTP decoder: tells `ReadTimeoutHandler` where each request ends and where its
/// answer begins, answers the requests of a refused connection (see `ConnectionLimits`), and
/// answers a request the decoder cannot parse with a JSON error (Hummingbird's own answer is an
/// empty 400) when no other answer is under way on the connection.
final class RequestBoundaryHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var readTimeout: ReadTimeoutHandler?
    /// Whether the request being read is refused (answered here, at its end, and never passed on).
    private var refusingRequest = false
    /// Requests passed on whose answers have not ended.
    private var answersOwed = 0
    /// Whether the last request passed on has been read to its end.
    private var lastRequestRead = true
    /// An error answer that must wait for the answers of earlier requests: written when only
    /// `whenOwed` answers are still owed (0 for a parse error or a timeout after complete
    /// requests; 1 for a timeout of the open request, whose own answer this is).
    private var deferredAnswer: (error: ServerError, whenOwed: Int)?
    /// Whether the answer to the last request passed on has begun.
    private var answerBegun = false

    func handlerAdded(context: ChannelHandlerContext) {
        readTimeout = try? context.pipeline.syncOperations.handler(type: ReadTimeoutHandler.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            readTimeout?.requestBegan()
            refusingRequest =
                readTimeout?.refusing == true && !ConnectionLimits.probePaths.contains(request.path ?? "")
        case .body:
            break
        case .end:
            readTimeout?.requestEnded()
        }
        guard refusingRequest else {
            switch part {
            case .head:
                answersOwed += 1
                lastRequestRead = false
                answerBegun = false
            case .body: break
            case .end: lastRequestRead = true
            }
            context.fireChannelRead(data)
            return
        }
        if case .end = part {
            answer(
                ServerError(.overloaded, "the server has too many open connections", retryAfterSeconds: 1),
                context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        // Answers go out in order: with one owed, this is the last request's.
        case .head: if answersOwed == 1 { answerBegun = true }
        case .body: break
        case .end:
            answersOwed -= 1
            context.write(data, promise: promise)
            if let deferred = deferredAnswer, answersOwed == deferred.whenOwed {
                deferredAnswer = nil
                answer(deferred.error, context: context)
            }
            return
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RequestReadTimedOut else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let timedOut = ServerError(.requestTimeout, "the request did not arrive in time")
        if lastRequestRead {
            // The open request's head has not come: answer after the answers still owed.
            answer(timedOut, afterOwed: 0, context: context)
        } else if answerBegun {
            // Its answer has begun (a 413 on the declared length): a 408 would corrupt it.
            context.close(promise: nil)
        } else {
            // In its place, after the answers to the requests before it (pipelined).
            answer(timedOut, afterOwed: 1, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A parse error inside a request being read goes to its route (whose body read fails);
        // one between requests is this connection's last answer, since the decoder reads
        // nothing after an error: now, or after the answers still owed.
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // The decoder reads nothing more on this connection.
        readTimeout?.stop()
        guard lastRequestRead else {
            context.fireErrorCaught(error)
            return
        }
        answer(Self.serverError(parseError), afterOwed: 0, context: context)
    }

    /// Answers `error` now if no more than `owed` answers are owed, else once they are.
    private func answer(_ error: ServerError, afterOwed owed: Int, context: ChannelHandlerContext) {
        if answersOwed <= owed {
            answer(error, context: context)
        } else {
            deferredAnswer = (error, owed)
        }
    }

    /// What a client is told of a request the decoder could not parse.
    static func serverError(_ error: HTTPParserError) -> ServerError {
        switch error {
        case .headerOverflow:
            return ServerError(.headersTooLarge, "the request line and headers are too large")
        case .invalidContentLength, .unexpectedContentLength:
            return ServerError(.badRequest, "the request's Content-Length is invalid")
        case .invalidChunkSize:
            return ServerError(.badRequest, "the request's chunked body is malformed")
        case .invalidMethod:
            return ServerError(.badRequest, "the request's method is not an HTTP method")
        case .invalidURL:
            return ServerError(.badRequest, "the request's target is not a valid URL path")
        case .invalidVersion:
            return ServerError(.badRequest, "the request is not HTTP/1.x")
        default:
            return ServerError(.badRequest, "the request is not valid HTTP/1.1")
        }
    }

    /// Answers `error` in place of the request being read, once it has been read whole (closing
    /// with unread bytes would reset the connection and lose the answer), then closes.
    private func answer(_ error: ServerError, context: ChannelHandlerContext) {
        let body = ByteBuffer(string: error.body)
        var fields = error.headers
        fields[.connection] = "close"
        fields[.contentLength] = String(body.readableBytes)
        context.write(
            wrapOutboundOut(.head(HTTPResponse(status: error.kind.status, headerFields: fields))),
            promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
