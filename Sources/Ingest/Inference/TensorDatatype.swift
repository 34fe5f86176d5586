/// Open Inference Protocol tensor datatypes, and how their raw little-endian elements read.
enum TensorDatatype: Equatable, CustomStringConvertible {
    case bool, uint8, uint16, uint32, uint64, int8, int16, int32, int64, fp16, bf16, fp32, fp64, bytes

    private static let names: [(StaticString, TensorDatatype)] = [
        ("FP32", .fp32), ("FP64", .fp64), ("INT64", .int64), ("INT32", .int32), ("BYTES", .bytes), ("BOOL", .bool),
        ("UINT8", .uint8), ("UINT16", .uint16), ("UINT32", .uint32), ("UINT64", .uint64), ("INT8", .int8),
        ("INT16", .int16), ("FP16", .fp16), ("BF16", .bf16),
    ]

    init?(_ name: UnsafeRawBufferPointer) {
        for (text, type) in Self.names where name.count == text.utf8CodeUnitCount && MessageEnvelope.hasPrefix(name, text) {
            self = type
            return
        }
        return nil
    }

    var description: String {
        switch self {
        case .bool: "BOOL"
        case .uint8: "UINT8"
        case .uint16: "UINT16"
        case .uint32: "UINT32"
        case .uint64: "UINT64"
        case .int8: "INT8"
        case .int16: "INT16"
        case .int32: "INT32"
        case .int64: "INT64"
        case .fp16: "FP16"
        case .bf16: "BF16"
        case .fp32: "FP32"
        case .fp64: "FP64"
        case .bytes: "BYTES"
        }
    }

    /// Bytes per raw element (BYTES elements are length-prefixed instead).
    var size: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16, .bf16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        case .bytes: 4
        }
    }

    /// An integer element's value; nil for floating-point types (and for a UINT64 above Int64.max).
    func integer(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64? {
        switch self {
        case .uint8: Int64(bytes[offset])
        case .int8: Int64(Int8(bitPattern: bytes[offset]))
        case .uint16: Int64(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .int16: Int64(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
        case .uint32: Int64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        case .int32: Int64(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        case .int64: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        case .uint64: Int64(exactly: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        case .bool, .fp16, .bf16, .fp32, .fp64, .bytes: nil
        }
    }

    /// A floating-point element's value (also a UINT64 too large for Int64).
    func number(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Double {
        switch self {
        case .fp64: Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        case .fp32: Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
        case .bf16:
            // bfloat16 is the top half of a float32.
            Double(Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << 16))
        case .fp16: Self.half(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .uint64: Double(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        default: Double(integer(bytes, at: offset) ?? 0)
        }
    }

    /// IEEE 754 binary16, decoded by hand (Float16 is not available on every platform Swift targets).
    static func half(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10 & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
