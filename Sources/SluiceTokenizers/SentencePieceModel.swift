import Foundation

/// The parts of a SentencePiece `ModelProto` (sentencepiece_model.proto) that a tokenizer
/// needs, read straight from the protobuf wire format:
///
///     ModelProto     { repeated SentencePiece pieces = 1; TrainerSpec trainer_spec = 2;
///                      NormalizerSpec normalizer_spec = 3; … }
///     SentencePiece  { string piece = 1; float score = 2; Type type = 3; }
///     TrainerSpec    { ModelType model_type = 3 (UNIGRAM = 1, BPE = 2); …; bool byte_fallback = 35;
///                      int32 unk_id = 40; … }
///     NormalizerSpec { string name = 1; bytes precompiled_charsmap = 2; bool add_dummy_prefix = 3; … }
struct SentencePieceModel {
    struct Piece {
        var text: String
        var score: Float
        /// NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6.
        var type: Int
    }

    var pieces: [Piece] = []
    var modelType = 1
    /// `trainer_spec.unk_id`: the unknown piece.
    var unkId = 0
    var byteFallback = false
    var precompiledCharsmap: [UInt8] = []
    var addDummyPrefix = true

    init(data: Data, name: String) throws {
        let bytes = [UInt8](data)
        var reader = ProtobufReader(bytes: bytes[...], name: name)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .bytes(let message)):
                pieces.append(try Self.piece(message, name: name))
            case (2, .bytes(let message)):
                var spec = ProtobufReader(bytes: message, name: name)
                while let (field, value) = try spec.next() {
                    if field == 3, case .varint(let type) = value { modelType = Int(type) }
                    if field == 40, case .varint(let id) = value {
                        unkId = Int(Int32(truncatingIfNeeded: id))
                    }
                    if field == 35, case .varint(let flag) = value { byteFallback = flag != 0 }
                }
            case (3, .bytes(let message)):
                var spec = ProtobufReader(bytes: message, name: name)
                while let (field, value) = try spec.next() {
                    if field == 2, case .bytes(let map) = value { precompiledCharsmap = Array(map) }
                    if field == 3, case .varint(let flag) = value { addDummyPrefix = flag != 0 }
                }
            default:
                break
            }
        }
        guard !pieces.isEmpty else { throw TokenizerError("\(name): no pieces in the SentencePiece model") }
    }

    private static func piece(_ message: ArraySlice<UInt8>, name: String) throws -> Piece {
        var piece = Piece(text: "", score: 0, type: 1)
        var reader = ProtobufReader(bytes: message, name: name)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .bytes(let text)):
                guard let string = String(validating: text, as: UTF8.self) else {
                    throw TokenizerError("\(name): a piece is not valid UTF-8")
                }
                piece.text = string
            case (2, .fixed32(let bits)): piece.score = Float(bitPattern: bits)
            case (3, .varint(let type)): piece.type = Int(type)
            default: break
            }
        }
        return piece
    }
}

/// A reader of protobuf fields: (field number, value) until the end of the message.
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    var bytes: ArraySlice<UInt8>
    let name: String

    init(bytes: ArraySlice<UInt8>, name: String) {
        self.bytes = bytes
        self.name = name
    }

    mutating func next() throws -> (Int, Value)? {
        guard !bytes.isEmpty else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: return (field, .fixed64(try fixed(8)))
        case 2:
            let length = Int(try varint())
            guard length <= bytes.count else { throw damaged() }
            let value = bytes.prefix(length)
            bytes = bytes.dropFirst(length)
            return (field, .bytes(value))
        case 5: return (field, .fixed32(UInt32(try fixed(4))))
        default: throw damaged()
        }
    }

    private func damaged() -> TokenizerError {
        TokenizerError("\(name) is not a valid SentencePiece model (damaged protobuf)")
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { break }
        }
        throw damaged()
    }

    private mutating func fixed(_ count: Int) throws -> UInt64 {
        guard bytes.count >= count else { throw damaged() }
        var result: UInt64 = 0
        for (index, byte) in bytes.prefix(count).enumerated() {
            result |= UInt64(byte) << (8 * UInt64(index))
        }
        bytes = bytes.dropFirst(count)
        return result
    }
}
