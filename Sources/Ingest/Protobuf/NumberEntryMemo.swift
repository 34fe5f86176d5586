/// The bytes of each numeric map entry up to its number, by the entry's position in the
/// message. An encoder writes the same keys in one order, so an entry whose first bytes equal
/// the ones remembered at its position (tag, length, key, value tag, number tag) is that
/// feature's number: one comparison instead of parsing four tags and looking the key up.
///
/// The remembered bytes fix every length in the entry, so a match cannot read past it.
struct NumberEntryMemo {
    /// A remembered entry: `count` bytes at `position * stride` of the arena; 0 is none.
    private struct Entry {
        var count: Int32 = 0
        var slot: Int32 = 0
        var index: Int32 = 0
    }

    static let positions = 64
    /// The longest prefix remembered (a key of up to 41 bytes).
    static let stride = 48
    private var entries = [Entry](repeating: Entry(), count: positions)
    private var arena = [UInt8](repeating: 0, count: positions * stride)

    /// The slot and numeric index of the entry at `start`, and where its 8-byte double
    /// starts, if its bytes are the ones remembered for `position`.
    @inline(__always)
    func match(_ bytes: UnsafePointer<UInt8>, at start: Int, end: Int, position: Int) -> (slot: Int, index: Int, number: Int)? {
        guard position < Self.positions else { return nil }
        let entry = entries[position]
        let count = Int(entry.count)
        guard count > 0, end - start >= count + 8 else { return nil }
        let equal = arena.withUnsafeBytes { arena in
            UnsafeRawPointer(arena.baseAddress! + position * Self.stride).hasSameBytes(as: UnsafeRawPointer(bytes + start), count: count)
        }
        return equal ? (Int(entry.slot), Int(entry.index), start + count) : nil
    }

    /// Remembers `prefix`, the bytes of a numeric feature's entry before its double.
    mutating func remember(_ prefix: UnsafeRawBufferPointer, at position: Int, slot: Int, index: Int) {
        guard position < Self.positions, prefix.count >= 8, prefix.count <= Self.stride else { return }
        arena.withUnsafeMutableBytes { arena in
            arena.baseAddress!.advanced(by: position * Self.stride).copyMemory(from: prefix.baseAddress!, byteCount: prefix.count)
        }
        entries[position] = Entry(count: Int32(prefix.count), slot: Int32(slot), index: Int32(index))
    }
}
