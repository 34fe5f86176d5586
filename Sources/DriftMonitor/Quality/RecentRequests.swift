import DriftKernels

/// The request ids a model saw recently, to count duplicates (a client retry, a replayed
/// partition, a logger writing twice) in bounded memory.
///
/// Two generations of at most ``generationSize`` id hashes: a duplicate is caught when its
/// first copy is among the last `generationSize` to `2 x generationSize` ids. Ids are kept as
/// 64-bit FNV-1a hashes; a false duplicate needs a collision among ~32k ids (p < 1e-10).
struct RecentRequests {
    static let generationSize = 16_384
    private var current = Set<UInt64>()
    private var previous = Set<UInt64>()

    /// Notes an id; true if it was seen recently.
    mutating func insert(_ id: UnsafeRawBufferPointer) -> Bool {
        let hash = FNV1a.hash(id)
        if previous.contains(hash) { return true }
        guard current.insert(hash).inserted else { return true }
        if current.count >= Self.generationSize {
            swap(&current, &previous)
            current.removeAll(keepingCapacity: true)
        }
        return false
    }
}
