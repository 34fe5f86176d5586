#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Codes for the distinct values of a categorical feature, looked up by their bytes without
/// allocating. Codes are dense and stable: the first value seen gets 0.
///
/// At most ``capacity`` values get their own code, each at most ``maximumValueBytes`` long and
/// all together at most ``byteCapacity``; every other new value shares ``overflowCode``, so a
/// high-cardinality field, or one of huge values, cannot grow memory without bound. The values
/// are kept once, as bytes; ``name(of:)`` makes their strings.
public struct CategoryDictionary: Sendable {
    public static let overflowName = "__overflow__"
    public let capacity: Int
    public let maximumValueBytes: Int
    public let byteCapacity: Int
    /// Values that went to the overflow code for their length or for the byte capacity.
    public private(set) var valuesCut = 0
    private var arena: [UInt8] = []
    private var spans: [(start: Int32, count: Int32, hash: UInt32)] = []
    private var slots: [Int32]  // open addressing, -1 = empty
    private var mask: Int

    public init(capacity: Int = 4096, maximumValueBytes: Int = 256, byteCapacity: Int = 256 << 10) {
        self.capacity = capacity
        self.maximumValueBytes = maximumValueBytes
        self.byteCapacity = byteCapacity
        slots = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    /// The code shared by values beyond ``capacity``.
    public var overflowCode: Int32 { Int32(capacity) }
    public var count: Int { spans.count }
    /// Bytes of the values kept.
    public var storedBytes: Int { arena.count }

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
        guard spans.count < capacity else { return overflowCode }
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        guard bytes.count <= maximumValueBytes, arena.count + bytes.count <= byteCapacity else {
            valuesCut += 1
            return overflowCode
        }
        let code = Int32(spans.count)
        spans.append((Int32(arena.count), Int32(bytes.count), hash))
        arena.append(contentsOf: bytes)
        slots[slot] = code
        if spans.count * 2 > slots.count { grow() }
        return code
    }

    /// The code of a string, adding it if new.
    public mutating func code(for name: String) -> Int32 {
        var name = name
        return name.withUTF8 { code(for: UnsafeRawBufferPointer($0)) } ?? overflowCode
    }

    /// The value of a code (``overflowName`` for the overflow code).
    public func name(of code: Int32) -> String {
        guard code >= 0, Int(code) < spans.count else { return Self.overflowName }
        let span = spans[Int(code)]
        return String(decoding: arena[Int(span.start)..<Int(span.start + span.count)], as: UTF8.self)
    }

    /// Every value, by code.
    public var names: [String] { (0..<Int32(spans.count)).map(name(of:)) }

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
