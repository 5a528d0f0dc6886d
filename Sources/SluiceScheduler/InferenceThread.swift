#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX thread that runs one closure and is joined by its owner: the inference thread is a
/// real thread, so that model compute never occupies Swift's cooperative pool.
struct InferenceThread: @unchecked Sendable {
    private let handle: pthread_t

    /// Starts a thread named `name` (at most 15 bytes are kept) that runs `body` and exits.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let payload = Unmanaged.passRetained(Payload(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t?
        #else
        var handle = pthread_t()
        #endif
        let status = pthread_create(&handle, nil, inferenceThreadMain, payload)
        precondition(status == 0, "pthread_create failed with error \(status)")
        #if canImport(Darwin)
        self.handle = handle!
        #else
        self.handle = handle
        #endif
    }

    /// Waits until the thread's closure has returned. Call it exactly once.
    func join() {
        let status = pthread_join(handle, nil)
        precondition(status == 0, "pthread_join failed with error \(status)")
    }
}

private final class Payload {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

#if canImport(Darwin)
private func inferenceThreadMain(_ argument: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    let payload = Unmanaged<Payload>.fromOpaque(argument).takeRetainedValue()
    pthread_setname_np(String(payload.name.utf8.prefix(15))!)
    payload.body()
    return nil
}
#else
private func inferenceThreadMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let payload = Unmanaged<Payload>.fromOpaque(argument!).takeRetainedValue()
    nameCurrentThread(payload.name)
    payload.body()
    return nil
}

/// Names the calling thread for `top -H`, debuggers and profilers. Glibc's `pthread_setname_np`
/// is not visible to Swift, so this writes the name where it stores it.
private func nameCurrentThread(_ name: String) {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}
#endif
