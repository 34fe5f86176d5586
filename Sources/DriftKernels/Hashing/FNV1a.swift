/// 64-bit FNV-1a: the same hash of the same bytes in every process and on every machine
/// (Swift's `Hasher` is seeded per process), for request ids and partition choices.
package enum FNV1a {
    package static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of `bytes`; from `seed`, the hash of the bytes hashed before them followed by these.
    package static func hash(_ bytes: UnsafeRawBufferPointer, from seed: UInt64 = offsetBasis) -> UInt64 {
        var hash = seed
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    package static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }
}
