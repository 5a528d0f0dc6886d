import CLibCrypto
import Foundation

/// The SHA-256 of a file's bytes, as lowercase hex: what the hub's `X-Linked-Etag` says a large
/// file's content is. Reads the file in 4 MiB pieces.
func sha256Hex(of url: URL) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
        throw HubError.cache("cannot read \(url.path) to check it")
    }
    defer { try? handle.close() }
    guard let context = EVP_MD_CTX_new() else { throw HubError.cache("cannot start a SHA-256") }
    defer { EVP_MD_CTX_free(context) }
    EVP_DigestInit_ex(context, EVP_sha256(), nil)
    while let piece = try handle.read(upToCount: 4 << 20), !piece.isEmpty {
        piece.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
    }
    var digest = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    EVP_DigestFinal_ex(context, &digest, &length)
    return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
}
