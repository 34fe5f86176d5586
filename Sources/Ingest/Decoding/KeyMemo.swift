/// What the key at each position of an object was the last time: a producer writes its keys in
/// one order, so a key is usually recognised by one comparison of its bytes instead of being
/// hashed and looked up. Positions count per object, top level and nested apart.
struct KeyMemo {
    /// What a key was: ``RecordDecoder/field(named:)``'s answer and, at the top level, its
    /// ``JSONFields`` code.
    struct Meaning {
        var field: Int?
        var reserved: Int32?
    }

    private struct Entry {
        var bytes: [UInt8] = []
        var meaning = Meaning()
        var valid = false
    }

    static let positions = 64
    /// Nested positions first, then the top level's.
    private var entries = [Entry](repeating: Entry(), count: 2 * positions)

    /// The meaning of `name` at `position` if it is the key remembered there.
    @inline(__always)
    func recall(_ name: UnsafeRawBufferPointer, at position: Int, topLevel: Bool) -> Meaning? {
        guard position < Self.positions else { return nil }
        let index = topLevel ? Self.positions + position : position
        // Read in place: copying the entry would retain its bytes.
        guard entries[index].valid, entries[index].bytes.count == name.count else { return nil }
        let equal = entries[index].bytes.withUnsafeBytes { remembered in
            name.count == 0 || name.baseAddress!.hasSameBytes(as: remembered.baseAddress!, count: name.count)
        }
        return equal ? entries[index].meaning : nil
    }

    /// The meaning and length of the key that is the string starting (at its opening quote) at
    /// `offset` of `bytes`, if it is the key remembered at `position`: the key is recognised
    /// without scanning it. Remembered keys have no escapes, so equal bytes end at the quote.
    @inline(__always)
    func recall(quotedAt offset: Int, in bytes: UnsafeBufferPointer<UInt8>, at position: Int, topLevel: Bool) -> (meaning: Meaning, count: Int)? {
        guard position < Self.positions else { return nil }
        let count = entries[topLevel ? Self.positions + position : position].bytes.count
        guard bytes.count - offset >= count + 2, bytes[offset] == UInt8(ascii: "\""), bytes[offset + count + 1] == UInt8(ascii: "\"") else {
            return nil
        }
        let name = UnsafeRawBufferPointer(start: bytes.baseAddress! + offset + 1, count: count)
        return recall(name, at: position, topLevel: topLevel).map { ($0, count) }
    }

    /// Remembers what `name` at `position` was (allocates only while a key grows longer than
    /// any remembered at that position before).
    mutating func remember(_ name: UnsafeRawBufferPointer, at position: Int, topLevel: Bool, _ meaning: Meaning) {
        guard position < Self.positions else { return }
        let index = topLevel ? Self.positions + position : position
        entries[index].bytes.removeAll(keepingCapacity: true)
        entries[index].bytes.append(contentsOf: name)
        entries[index].meaning = meaning
        entries[index].valid = true
    }
}
