/// The ids of the last events handled on one partition, oldest first, so a replayed or
/// re-published event (same model and window, same id) runs its action once.
///
/// The list travels with the partition's committed offset as its metadata, so it survives
/// a restart and moves with the partition to another member of the group.
struct RecentEventIDs: Sendable, Hashable {
    /// What starts the metadata, so metadata written by anything else is ignored.
    static let header = "driftwatch-hook/1"
    /// Stays under the broker's default `offset.metadata.max.bytes` (4096).
    static let maximumMetadataBytes = 4000

    let capacity: Int
    private(set) var ids: [String] = []
    private var members: Set<String> = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Restores the list from committed metadata; anything not written by the hook gives an empty list.
    init(capacity: Int, metadata: [UInt8]) {
        self.init(capacity: capacity)
        let lines = String(decoding: metadata, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.first == Self.header else { return }
        for id in lines.dropFirst() where !id.isEmpty { insert(id) }
    }

    func contains(_ id: String) -> Bool { members.contains(id) }

    mutating func insert(_ id: String) {
        guard !members.contains(id) else { return }
        ids.append(id)
        members.insert(id)
        if ids.count > capacity { members.remove(ids.removeFirst()) }
    }

    /// The newest ids that fit in the metadata limit, oldest first.
    var metadata: [UInt8] {
        var kept: [String] = []
        var size = Self.header.utf8.count
        for id in ids.reversed() {
            size += id.utf8.count + 1
            if size > Self.maximumMetadataBytes { break }
            kept.append(id)
        }
        return Array(([Self.header] + kept.reversed()).joined(separator: "\n").utf8)
    }
}
