import Foundation

/// A zip archive whose entries are stored uncompressed, as `torch.save` writes them: the
/// central directory read from the end of the file (ZIP64 included), each entry's bytes found
/// through its local header. Compressed or encrypted entries are refused by name.
struct StoredZip {
    /// One entry's bytes within `data`.
    struct Entry {
        var name: String
        var range: Range<Int>
    }

    let data: Data
    /// Entries by name, in central-directory order.
    let entries: [Entry]
    /// The file, for error messages.
    let url: URL

    /// Reads the central directory of the archive `data`, mapped from `url`.
    init(data: Data, url: URL) throws {
        self.url = url
        self.data = data
        entries = try Self.readEntries(data, url: url)
    }

    /// The bytes of the entry named `name`, if the archive has one.
    func bytes(_ name: String) -> Data? {
        entry(name).map { data.subdata(in: $0.range) }
    }

    /// The entry named `name`, if the archive has one.
    func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    // Little-endian fields (local header 0x04034b50, central entry 0x02014b50, end of central
    // directory 0x06054b50, ZIP64 end 0x06064b50 and its locator 0x07064b50).
    private static func u16(_ d: Data, _ at: Int) -> Int {
        Int(d[d.startIndex + at]) | Int(d[d.startIndex + at + 1]) << 8
    }

    private static func u32(_ d: Data, _ at: Int) -> Int { u16(d, at) | u16(d, at + 2) << 16 }

    private static func u64(_ d: Data, _ at: Int) -> Int { u32(d, at) | u32(d, at + 4) << 32 }

    private static func readEntries(_ d: Data, url: URL) throws -> [Entry] {
        func fail(_ why: String) -> SafeTensorsError {
            SafeTensorsError(path: url.path, problem: "not a zip archive torch.save wrote: \(why)")
        }
        let count = d.count
        guard count >= 22 else { throw fail("too short") }
        // The end-of-central-directory record: 22 bytes, then a comment of up to 65535.
        var end = -1
        for at in stride(from: count - 22, through: max(0, count - 22 - 65535), by: -1)
        where u32(d, at) == 0x0605_4b50 {
            end = at
            break
        }
        guard end >= 0 else { throw fail("no end of central directory") }
        var entryCount = u16(d, end + 10)
        var directory = u32(d, end + 16)
        if entryCount == 0xFFFF || directory == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, u32(d, locator) == 0x0706_4b50 else { throw fail("no ZIP64 locator") }
            let record = u64(d, locator + 8)
            guard record >= 0, record + 56 <= count, u32(d, record) == 0x0606_4b50 else {
                throw fail("no ZIP64 end of central directory")
            }
            entryCount = u64(d, record + 32)
            directory = u64(d, record + 48)
        }
        var entries: [Entry] = []
        var at = directory
        for _ in 0..<entryCount {
            guard at >= 0, at + 46 <= count, u32(d, at) == 0x0201_4b50 else {
                throw fail("bad central directory entry at byte \(at)")
            }
            let flags = u16(d, at + 8)
            let method = u16(d, at + 10)
            var compressed = u32(d, at + 20)
            var size = u32(d, at + 24)
            let nameLength = u16(d, at + 28)
            let extraLength = u16(d, at + 30)
            let commentLength = u16(d, at + 32)
            var local = u32(d, at + 42)
            guard at + 46 + nameLength + extraLength <= count else { throw fail("truncated directory") }
            let nameStart = d.startIndex + at + 46
            let name = String(decoding: d[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            // ZIP64 extra field: the 64-bit values of the fields saturated above, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(d, extra)
                let length = u16(d, extra + 2)
                if id == 0x0001 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF {
                        size = u64(d, field)
                        field += 8
                    }
                    if compressed == 0xFFFF_FFFF {
                        compressed = u64(d, field)
                        field += 8
                    }
                    if local == 0xFFFF_FFFF { local = u64(d, field) }
                }
                extra += 4 + length
            }
            guard flags & 1 == 0 else { throw fail("entry \(name) is encrypted") }
            guard method == 0, compressed == size else {
                throw fail(
                    "entry \(name) is compressed (method \(method)); torch.save stores entries uncompressed")
            }
            guard local >= 0, local + 30 <= count, u32(d, local) == 0x0403_4b50 else {
                throw fail("bad local header for \(name)")
            }
            let start = local + 30 + u16(d, local + 26) + u16(d, local + 28)
            guard start + size <= count else { throw fail("entry \(name) runs past the end of the file") }
            entries.append(Entry(name: name, range: (d.startIndex + start)..<(d.startIndex + start + size)))
            at += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }
}
