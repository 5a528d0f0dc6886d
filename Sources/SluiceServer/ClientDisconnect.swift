import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Tells a request that its client went away.
///
/// Hummingbird 2 does not cancel a route's task when the connection closes: its HTTP/1 loop only
/// reads the connection again after the response. The server allows remote half-closure, so a
/// client that closes its socket shows up as `ChannelEvent.inputClosed` (or, after a reset, as
/// the channel going inactive). `ClientDisconnectHandler` sits in each connection's pipeline and
/// fires this signal once; the inference route races its work against it, so a queued job whose
/// client is gone is cancelled and never computed.
///
/// The price: a client that half-closes its side after sending a request (rare for HTTP/1.1) is
/// treated as gone, as Hummingbird's own `consumeWithCancellationOnInboundClose` treats it.
final class ClientDisconnectSignal: Sendable {
    private enum State {
        case open([Int: CheckedContinuation<Void, Never>], nextID: Int)
        case closed
    }

    private let state = NIOLockedValueBox(State.open([:], nextID: 0))

    /// Whether the client has gone.
    var isClosed: Bool {
        state.withLockedValue { if case .closed = $0 { return true } else { return false } }
    }

    /// Marks the client gone and wakes every waiter; later calls do nothing.
    func fire() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard case .open(let waiters, _) = state else { return [] }
            state = .closed
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the client goes, or at once when the calling task is cancelled.
    func wait() async {
        let id = state.withLockedValue { state -> Int? in
            guard case .open(let waiters, let next) = state else { return nil }
            state = .open(waiters, nextID: next + 1)
            return next
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    guard case .open(var waiters, let next) = state, !Task.isCancelled else { return true }
                    waiters[id] = continuation
                    state = .open(waiters, nextID: next)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                guard case .open(var waiters, let next) = state else { return nil }
                let waiter = waiters.removeValue(forKey: id)
                state = .open(waiters, nextID: next)
                return waiter
            }
            waiter?.resume()
        }
    }

    /// Runs `operation`, cancelling it as soon as the client goes; then throws
    /// `ServerError(.clientClosedRequest)`.
    func cancellingOnDisconnect<Value: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        if isClosed { throw ServerError(.clientClosedRequest, "the client closed the connection") }
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                await self.wait()
                return nil
            }
            defer { group.cancelAll() }
            guard case .some(let value?) = try await group.next() else {
                throw ServerError(.clientClosedRequest, "the client closed the connection")
            }
            return value
        }
    }
}

/// Fires its connection's `ClientDisconnectSignal` when the client closes or resets.
final class ClientDisconnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    // Reads pass through untouched (the default `channelRead` forwards them).
    typealias InboundIn = NIOAny

    let signal = ClientDisconnectSignal()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            signal.fire()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        signal.fire()
        context.fireChannelInactive()
    }

    /// The signal of the connection `channel`, or nil when it has no such handler (a test
    /// transport without a real connection).
    static func signal(of channel: any Channel) async -> ClientDisconnectSignal? {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientDisconnectHandler.self).signal
        }.get()
    }
}

extension SluiceRequestContext {
    /// Runs `work`, cancelled as soon as the request's client goes away (jobs still queued
    /// leave the queue uncomputed).
    func whileClientWaits<Value: Sendable>(
        _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        guard let disconnect = await ClientDisconnectHandler.signal(of: channel) else {
            return try await work()
        }
        return try await disconnect.cancellingOnDisconnect(work)
    }
}
