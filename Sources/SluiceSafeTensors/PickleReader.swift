import Foundation

/// A value on the pickle machine's stack: only what a torch state dict holds.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A class or function named by `GLOBAL`, from the allowed few.
    case global(String)
    case storage(StorageRef)
    case tensor(TensorRef)

    /// What the value is, for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string(let s): return "\"\(s)\""
        case .bytes: return "bytes"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case .global(let name): return name
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}

/// A pickled dict (or `OrderedDict`), shared by reference as pickle's memo shares it.
final class PickleDict {
    var items: [(PickleValue, PickleValue)] = []
}

/// A pickled list, shared by reference.
final class PickleList {
    var items: [PickleValue] = []
}

/// The pickle machine over the opcodes `torch.save` emits for a state dict (protocol 2, and the
/// few protocol 3–4 additions newer writers may use). Globals are limited to
/// `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter` and
/// `torch.FloatStorage`; nothing is ever imported or called.
struct PickleReader {
    private let bytes: [UInt8]
    private let url: URL
    private var at = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    init(bytes: [UInt8], url: URL) {
        self.bytes = bytes
        self.url = url
    }

    private func fail(_ why: String) -> SafeTensorsError {
        SafeTensorsError(path: url.path, problem: "data.pkl: \(why)")
    }

    private mutating func read(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - at else { throw fail("ends early at byte \(at)") }
        defer { at += n }
        return bytes[at..<(at + n)]
    }

    private mutating func uint(_ n: Int) throws -> Int {
        try read(n).reversed().reduce(0) { $0 << 8 | Int($1) }
    }

    private mutating func line() throws -> String {
        guard let end = bytes[at...].firstIndex(of: 0x0A) else {
            throw fail("unterminated GLOBAL at byte \(at)")
        }
        defer { at = end + 1 }
        return String(decoding: bytes[at..<end], as: UTF8.self)
    }

    private mutating func pop() throws -> PickleValue {
        guard let value = stack.popLast() else { throw fail("stack underflow at byte \(at)") }
        return value
    }

    /// The values pushed since the last MARK, which is removed.
    private mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK at byte \(at)") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    /// Runs to STOP and returns the pickled object.
    mutating func run() throws -> PickleValue {
        while true {
            let opcode = try read(1).first!
            switch opcode {
            case 0x80: _ = try read(1)  // PROTO
            case 0x95: _ = try read(8)  // FRAME
            case 0x2E: return try pop()  // STOP
            case 0x28: marks.append(stack.count)  // MARK
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4B: stack.append(.int(try uint(1)))  // BININT1
            case 0x4D: stack.append(.int(try uint(2)))  // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))  // BININT
            case 0x8A:  // LONG1: little-endian two's complement
                let n = try uint(1)
                guard n <= 8 else { throw fail("LONG1 of \(n) bytes at byte \(at)") }
                let raw = try read(n)
                var value = raw.reversed().reduce(0) { $0 << 8 | Int($1) }
                if n > 0, n < 8, raw.last! & 0x80 != 0 { value -= 1 << (8 * n) }
                stack.append(.int(value))
            case 0x47:  // BINFLOAT: big-endian double
                stack.append(
                    .float(Double(bitPattern: try read(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
            case 0x58, 0x8C, 0x8D:  // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                let length = try uint(opcode == 0x58 ? 4 : opcode == 0x8C ? 1 : 8)
                stack.append(.string(String(decoding: try read(length), as: UTF8.self)))
            case 0x43: stack.append(.bytes(Array(try read(try uint(1)))))  // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(try read(try uint(4)))))  // BINBYTES
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))  // TUPLE
            case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
                let n = Int(opcode - 0x84)
                guard stack.count >= n else { throw fail("stack underflow at byte \(at)") }
                let items = Array(stack.suffix(n))
                stack.removeLast(n)
                stack.append(.tuple(items))
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x71: memo[try uint(1)] = stack.last  // BINPUT
            case 0x72: memo[try uint(4)] = stack.last  // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last  // MEMOIZE
            case 0x68, 0x6A:  // BINGET, LONG_BINGET
                let key = try uint(opcode == 0x68 ? 1 : 4)
                guard let value = memo[key] else { throw fail("memo \(key) is empty at byte \(at)") }
                stack.append(value)
            case 0x73:  // SETITEM
                let value = try pop()
                let key = try pop()
                try dict(on: stack.last).items.append((key, value))
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else { throw fail("odd SETITEMS at byte \(at)") }
                let dict = try dict(on: stack.last)
                for i in stride(from: 0, to: items.count, by: 2) {
                    dict.items.append((items[i], items[i + 1]))
                }
            case 0x61:  // APPEND
                let value = try pop()
                guard case .list(let list)? = stack.last else {
                    throw fail("APPEND to a non-list at byte \(at)")
                }
                list.items.append(value)
            case 0x65:  // APPENDS
                let items = try popMark()
                guard case .list(let list)? = stack.last else {
                    throw fail("APPENDS to a non-list at byte \(at)")
                }
                list.items += items
            case 0x63:  // GLOBAL
                let module = try line()
                stack.append(try global(module, try line()))
            case 0x93:  // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw fail("STACK_GLOBAL without names at byte \(at)")
                }
                stack.append(try global(module, name))
            case 0x51: stack.append(try persistentLoad(try pop()))  // BINPERSID
            case 0x52:  // REDUCE
                guard case .tuple(let arguments) = try pop() else {
                    throw fail("REDUCE without a tuple at byte \(at)")
                }
                stack.append(try reduce(try pop(), arguments))
            case 0x62:  // BUILD: an OrderedDict's attributes (a state dict's `_metadata`) are not needed.
                _ = try pop()
                guard case .dict? = stack.last else {
                    throw fail("BUILD on \(stack.last?.kind ?? "nothing")")
                }
            default:
                throw fail(
                    "pickle opcode 0x\(String(opcode, radix: 16)) at byte \(at - 1) is outside what torch.save writes for a state dict"
                )
            }
        }
    }

    private func dict(on value: PickleValue?) throws -> PickleDict {
        guard case .dict(let dict)? = value else { throw fail("SETITEM on \(value?.kind ?? "nothing")") }
        return dict
    }

    private func global(_ module: String, _ name: String) throws -> PickleValue {
        let full = "\(module).\(name)"
        let allowed: Set<String> = [
            "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
            "torch.FloatStorage",
        ]
        if name.hasSuffix("Storage") && module == "torch" && !allowed.contains(full) {
            throw SafeTensorsError(
                path: url.path,
                problem: "holds a \(full) tensor; Sluice reads float32 tensors (torch.FloatStorage) only")
        }
        guard allowed.contains(full) else {
            throw fail("the global \(full) is outside what a state dict of float tensors needs")
        }
        return .global(full)
    }

    /// `persistent_load`: `("storage", torch.FloatStorage, key, location, numel)`.
    private func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard case .tuple(let fields) = id, fields.count == 5, case .string("storage") = fields[0],
            case .global("torch.FloatStorage") = fields[1], case .string(let key) = fields[2],
            case .int(let count) = fields[4], count >= 0
        else { throw fail("persistent id \(id.kind) is not a float storage") }
        return .storage(StorageRef(key: key, count: count))
    }

    private func reduce(_ callable: PickleValue, _ arguments: [PickleValue]) throws -> PickleValue {
        func ints(_ value: PickleValue) -> [Int]? {
            guard case .tuple(let items) = value else { return nil }
            let values = items.compactMap { if case .int(let i) = $0 { i } else { nil } }
            return values.count == items.count ? values : nil
        }
        switch callable {
        case .global("collections.OrderedDict"):
            guard arguments.isEmpty else { throw fail("OrderedDict with arguments") }
            return .dict(PickleDict())
        case .global("torch._utils._rebuild_tensor_v2"):
            guard arguments.count >= 4, case .storage(let storage) = arguments[0],
                case .int(let offset) = arguments[1],
                let size = ints(arguments[2]), let stride = ints(arguments[3])
            else { throw fail("_rebuild_tensor_v2 with unexpected arguments") }
            return .tensor(TensorRef(storage: storage, offset: offset, size: size, stride: stride))
        case .global("torch._utils._rebuild_parameter"):
            guard let data = arguments.first, case .tensor = data else {
                throw fail("_rebuild_parameter without a tensor")
            }
            return data
        default:
            throw fail("cannot call \(callable.kind)")
        }
    }
}
