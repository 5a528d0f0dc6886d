#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, private memory mapping of a whole file, unmapped when the last owner lets go.
///
/// Tensor views hold a reference to the mapping, not to the `SafeTensorsFile`, so weights stay
/// readable after the file object is gone. If another process truncates the file while it is
/// mapped, reads past the new end fault (SIGBUS); model files are not expected to change in place.
final class FileMapping: @unchecked Sendable {
    /// The file's bytes; empty (with a nil base) only for an empty file.
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(SafeTensorsError) {
        func failure(_ what: String) -> SafeTensorsError {
            SafeTensorsError(path: path, problem: "\(what): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open file") }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot stat file") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError(path: path, problem: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else { throw failure("cannot map \(size) bytes") }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}
