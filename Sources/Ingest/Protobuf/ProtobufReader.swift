/// Reads the protobuf wire format over a record's bytes without allocating: tags, varints,
/// fixed 64-bit words and length-delimited ranges, each checked against the end.
struct ProtobufReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    /// Reads `range` of `bytes` (a message or a nested message).
    init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    var atEnd: Bool { position >= end }

    /// Moves past bytes the caller has read itself; `offset` is within the range.
    mutating func move(to offset: Int) {
        assert(offset <= end)
        position = offset
    }

    func error(_ detail: String, at offset: Int? = nil) -> DecodeError {
        DecodeError(.malformedProtobuf, at: offset ?? position, detail)
    }

    @inline(__always)
    mutating func varint() throws(DecodeError) -> UInt64 {
        if position < end, bytes[position] < 0x80 {
            position += 1
            return UInt64(bytes[position - 1])
        }
        return try longVarint()
    }

    private mutating func longVarint() throws(DecodeError) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw error("the message ends inside a varint", at: start) }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
            guard shift < 64 else { throw error("a varint longer than 10 bytes", at: start) }
        }
    }

    /// A field's number and wire type.
    mutating func tag() throws(DecodeError) -> (field: UInt64, wireType: WireType) {
        let start = position
        let key = try varint()
        guard let wireType = WireType(rawValue: UInt8(key & 7)), key >> 3 != 0 else {
            throw error("invalid tag \(key)", at: start)
        }
        return (key >> 3, wireType)
    }

    mutating func fixed64() throws(DecodeError) -> UInt64 {
        guard end - position >= 8 else { throw error("the message ends inside a 64-bit field") }
        let value = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        position += 8
        return value
    }

    mutating func fixed32() throws(DecodeError) -> UInt32 {
        guard end - position >= 4 else { throw error("the message ends inside a 32-bit field") }
        let value = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        position += 4
        return value
    }

    /// The byte range of a length-delimited field (a string, bytes or a nested message).
    mutating func lengthDelimited() throws(DecodeError) -> Range<Int> {
        let start = position
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw error("a field of \(length) bytes where \(end - position) remain", at: start)
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// Skips a field of a number the reader does not use (unknown fields are legal).
    mutating func skip(_ wireType: WireType) throws(DecodeError) {
        switch wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .lengthDelimited: _ = try lengthDelimited()
        case .fixed32: _ = try fixed32()
        case .startGroup, .endGroup: throw error("groups are not part of proto3")
        }
    }
}
