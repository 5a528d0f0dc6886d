import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to a test server driven byte by byte, as a hostile or broken client
/// drives it. Its blocking calls run on threads of their own: the server's request tasks share
/// the concurrency pool, which a test blocked in `recv` must not hold.
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32
    private let closed = NSLock()
    private var isClosed = false

    /// Connects to `127.0.0.1:port`.
    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawConnectionError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw RawConnectionError("connect() failed: errno \(errno)")
        }
        // Only keeps a broken test from hanging: every read here expects an answer or a close.
        var limit = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Sends `bytes` whole.
    func send(_ bytes: [UInt8]) async throws {
        let descriptor = descriptor
        let sent = await Self.offPool {
            var offset = 0
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes {
                    Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if count <= 0 { return false }
                offset += count
            }
            return true
        }
        if !sent { throw RawConnectionError("send() failed") }
    }

    /// Sends `text` as UTF-8.
    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Everything the server sends until it closes the connection (or resets it).
    func readUntilClosed() async -> [UInt8] {
        let descriptor = descriptor
        return await Self.offPool {
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return received }
                received += chunk[..<count]
            }
        }
    }

    /// What the server sends until it holds `marker` (or the connection closes).
    func readUntil(containing marker: String) async -> [UInt8] {
        let descriptor = descriptor
        let wanted = Array(marker.utf8)
        return await Self.offPool {
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while received.firstRange(of: wanted) == nil {
                let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                received += chunk[..<count]
            }
            return received
        }
    }

    /// The answers the server sends until it closes the connection, in order.
    func responsesUntilClosed() async -> [RawResponse] {
        RawResponse.parseAll(await readUntilClosed())
    }

    /// Closes the socket (once).
    func close() {
        closed.lock()
        defer { closed.unlock() }
        if !isClosed {
            isClosed = true
            Glibc.close(descriptor)
        }
    }

    private static func offPool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}

/// One HTTP/1.1 answer as read off the wire.
struct RawResponse: Sendable {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: String

    /// Every complete answer in `bytes` (each framed by its Content-Length).
    static func parseAll(_ bytes: [UInt8]) -> [RawResponse] {
        var responses: [RawResponse] = []
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while let end = rest.firstRange(of: separator) {
            let head = String(decoding: rest[..<end.lowerBound], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst().split(separator: " ")
            guard statusLine.count >= 2, let status = Int(statusLine[1]) else { break }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                    .trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyEnd = min(end.upperBound + length, rest.endIndex)
            responses.append(
                RawResponse(
                    status: status, headers: headers,
                    body: String(decoding: rest[end.upperBound..<bodyEnd], as: UTF8.self)))
            rest = rest[bodyEnd...]
        }
        return responses
    }
}

struct RawConnectionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
