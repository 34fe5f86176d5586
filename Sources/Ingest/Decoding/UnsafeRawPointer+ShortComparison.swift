#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnsafeRawPointer {
    /// Whether the `count` bytes here equal those at `other`. Keys and map-entry prefixes are
    /// 8 to 48 bytes, where a call to memcmp costs more than comparing 8-byte words (the last
    /// one overlapping); shorter runs go to memcmp.
    @inline(__always)
    func hasSameBytes(as other: UnsafeRawPointer, count: Int) -> Bool {
        guard count >= 8 else { return count == 0 || memcmp(self, other, count) == 0 }
        var difference = loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) ^ other.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        var offset = 0
        while offset < count - 8 {
            difference |= loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ other.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        return difference == 0
    }
}
