/// Records waiting to be joined, in arrival order, found by id: the predictions waiting for
/// their label, or labels come before their prediction.
///
/// 32 bytes per entry in blocks of 4,096 (a block is freed once every entry in it is taken
/// or expired), plus a dictionary from id to place of 16 to 32 bytes per entry (load 3/8 to
/// 3/4): at most 64 bytes per waiting record.
struct WaitingArena {
    struct Entry {
        /// The id's hash; 0 once taken or expired.
        var id: UInt64
        var value: Double
        var offset: Int64
        var partition: Int32
        /// The window of a prediction; the arrival second of a label.
        var tag: Int32
    }

    static let blockSize = 4_096
    private(set) var blocks: [[Entry]] = []
    /// Entries still waiting in each block.
    private var live: [Int] = []
    /// The arrival number of the first entry of `blocks[0]`.
    private var firstNumber: UInt32 = 0
    /// Arrival number of the next entry.
    private var nextNumber: UInt32 = 0
    private var places: [UInt64: UInt32] = [:]
    /// Entries waiting per partition: the scan for the lowest offsets stops once it has met each.
    private var waitingPerPartition: [Int32: Int] = [:]

    var count: Int { places.count }

    /// Bytes held: the blocks and the dictionary's buckets (a power of two, at most 3/4 full).
    var bytes: Int {
        var buckets = places.capacity > 0 ? 1 : 0
        while buckets > 0 && Double(buckets) * 0.75 < Double(places.capacity) { buckets <<= 1 }
        return blocks.count * Self.blockSize * MemoryLayout<Entry>.stride + buckets * 12
    }

    func contains(_ id: UInt64) -> Bool { places[id] != nil }

    /// Adds an entry; an id already waiting is replaced (the newer record wins) and returned.
    @discardableResult
    mutating func add(_ entry: Entry) -> Entry? {
        let replaced = take(entry.id)
        if blocks.isEmpty || blocks[blocks.count - 1].count == Self.blockSize {
            blocks.append([])
            blocks[blocks.count - 1].reserveCapacity(Self.blockSize)
            live.append(0)
        }
        blocks[blocks.count - 1].append(entry)
        live[live.count - 1] += 1
        waitingPerPartition[entry.partition, default: 0] += 1
        places[entry.id] = nextNumber
        nextNumber &+= 1
        return replaced
    }

    /// Removes and returns the entry of `id`, if it waits.
    mutating func take(_ id: UInt64) -> Entry? {
        guard let number = places.removeValue(forKey: id) else { return nil }
        let (block, index) = place(of: number)
        let entry = blocks[block][index]
        blocks[block][index].id = 0
        live[block] -= 1
        forget(entry)
        dropTakenFront()
        return entry
    }

    /// Removes the waiting entries from the front while `expired` says so (entries come in
    /// order of their tag), calling `each` with each.
    mutating func expireFront(while expired: (Entry) -> Bool, _ each: (Entry) -> Void) {
        var block = 0
        outer: while block < blocks.count {
            for index in blocks[block].indices where blocks[block][index].id != 0 {
                let entry = blocks[block][index]
                guard expired(entry) else { break outer }
                places[entry.id] = nil
                blocks[block][index].id = 0
                live[block] -= 1
                forget(entry)
                each(entry)
            }
            block += 1
        }
        dropTakenFront()
    }

    /// Removes every waiting entry `matching` says so, wherever it is.
    mutating func expireAll(where matching: (Entry) -> Bool, _ each: (Entry) -> Void) {
        for block in blocks.indices {
            for index in blocks[block].indices where blocks[block][index].id != 0 && matching(blocks[block][index]) {
                let entry = blocks[block][index]
                places[entry.id] = nil
                blocks[block][index].id = 0
                live[block] -= 1
                forget(entry)
                each(entry)
            }
        }
        dropTakenFront()
    }

    /// The lowest offset of a waiting entry in each partition: the first one met from the
    /// front, since a partition's entries come in offset order.
    func lowestOffsets() -> [Int32: Int64] {
        var lowest: [Int32: Int64] = [:]
        guard !waitingPerPartition.isEmpty else { return lowest }
        for block in blocks {
            for entry in block where entry.id != 0 && lowest[entry.partition] == nil {
                lowest[entry.partition] = entry.offset
                if lowest.count == waitingPerPartition.count { return lowest }
            }
        }
        return lowest
    }

    private mutating func forget(_ entry: Entry) {
        let left = (waitingPerPartition[entry.partition] ?? 1) - 1
        waitingPerPartition[entry.partition] = left > 0 ? left : nil
    }

    private func place(of number: UInt32) -> (block: Int, index: Int) {
        let distance = Int(number &- firstNumber)
        return (distance / Self.blockSize, distance % Self.blockSize)
    }

    /// Frees the front blocks whose entries are all taken, but the one still being filled.
    private mutating func dropTakenFront() {
        if places.isEmpty {
            reset()
            return
        }
        while blocks.count > 1, live[0] == 0 {
            blocks.removeFirst()
            live.removeFirst()
            firstNumber &+= UInt32(Self.blockSize)
        }
    }

    private mutating func reset() {
        blocks.removeAll()
        live.removeAll()
        firstNumber = nextNumber
    }
}
