#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Codes for the distinct values of a categorical feature, looked up by their bytes without
/// allocating. Codes are dense and stable: the first value seen gets 0.
///
/// At most ``capacity`` values get their own code; every later new value shares
/// ``overflowCode``, so a high-cardinality field cannot grow memory without bound.
public struct CategoryDictionary: Sendable {
    public static let overflowName = "__overflow__"
    public let capacity: Int
    /// The value of each code.
    public private(set) var names: [String] = []
    private var arena: [UInt8] = []
    private var spans: [(start: Int32, count: Int32, hash: UInt32)] = []
    private var slots: [Int32]  // open addressing, -1 = empty
    private var mask: Int

    public init(capacity: Int = 4096) {
        self.capacity = capacity
        slots = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    /// The code shared by values beyond ``capacity``.
    public var overflowCode: Int32 { Int32(capacity) }
    public var count: Int { names.count }

    /// The code of `bytes` if they have one.
    public func lookup(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        let (code, _) = find(bytes, hash: Self.hash(bytes))
        return code
    }

    private func find(_ bytes: UnsafeRawBufferPointer, hash: UInt32) -> (code: Int32?, slot: Int) {
        var slot = Int(hash) & mask
        while true {
            let code = slots[slot]
            if code < 0 { return (nil, slot) }
            let span = spans[Int(code)]
            if span.hash == hash && Int(span.count) == bytes.count
                && (bytes.count == 0 || arena.withUnsafeBytes { arena in
                    memcmp(arena.baseAddress! + Int(span.start), bytes.baseAddress!, bytes.count) == 0
                })
            {
                return (code, slot)
            }
            slot = (slot + 1) & mask
        }
    }

    /// The code of `bytes`, adding it if new. Returns `nil` if the bytes are not valid UTF-8.
    public mutating func code(for bytes: UnsafeRawBufferPointer) -> Int32? {
        let hash = Self.hash(bytes)
        let (found, slot) = find(bytes, hash: hash)
        if let found { return found }
        guard names.count < capacity else { return overflowCode }
        guard let name = String(validating: bytes, as: UTF8.self) else { return nil }
        let code = Int32(names.count)
        names.append(name)
        spans.append((Int32(arena.count), Int32(bytes.count), hash))
        arena.append(contentsOf: bytes)
        slots[slot] = code
        if names.count * 2 > slots.count { grow() }
        return code
    }

    /// The code of a string, adding it if new.
    public mutating func code(for name: String) -> Int32 {
        var name = name
        return name.withUTF8 { code(for: UnsafeRawBufferPointer($0)) } ?? overflowCode
    }

    /// The value of a code (``overflowName`` for the overflow code).
    public func name(of code: Int32) -> String {
        Int(code) < names.count ? names[Int(code)] : Self.overflowName
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (code, span) in spans.enumerated() {
            var slot = Int(span.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(code)
        }
    }

    /// FNV-1a.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return hash
    }
}
