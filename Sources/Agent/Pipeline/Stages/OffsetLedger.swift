import KafkaIO

/// What may be committed, and when.
///
/// A partition's offset is safe up to the first record not yet accounted for: one held by an
/// open window, or waiting in the request/response join. A closed window makes its offsets
/// committable at once, since a restart would otherwise judge it again; otherwise offsets are
/// committed at most every 5 s, and only when they moved.
struct OffsetLedger {
    enum Pacing: Equatable {
        /// Nothing closed since the last commit.
        case idle
        /// A window closed since the last commit: commit at the next batch.
        case windowClosed
        /// A window closed and the last commit failed: try again, at most every second.
        case retrying
    }

    private(set) var pacing = Pacing.idle
    private(set) var committed: [TopicPartition: Int64] = [:]
    private var lastAttempt: ContinuousClock.Instant
    /// At the last revocation, where this member had accounted for each partition's records.
    private var revoked: [TopicPartition: Int64] = [:]

    static let idleInterval = Duration.seconds(5)
    static let retryInterval = Duration.seconds(1)

    init(now: ContinuousClock.Instant = .now) {
        lastAttempt = now
    }

    /// Per partition: the position, lowered to the lowest offset still `held` (by an open window
    /// or the join) in that partition, by partition id.
    static func safeOffsets(
        partitions: [TopicPartition], positions: [TopicPartition: Int64], held: (Int) -> Int64?
    ) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for (id, partition) in partitions.enumerated() {
            guard let position = positions[partition] else { continue }
            offsets[partition] = held(id).map { min(position, $0) } ?? position
        }
        return offsets
    }

    /// The offsets to commit now, if any: `safe` restricted to the `assigned` partitions, when
    /// the pacing (or `force`) says a commit is due and there is something new to say.
    mutating func due(
        safe: [TopicPartition: Int64], assigned: Set<TopicPartition>, force: Bool, now: ContinuousClock.Instant = .now
    ) -> [TopicPartition: Int64]? {
        let interval: Duration? =
            switch pacing {
            case .idle: Self.idleInterval
            case .windowClosed: nil
            case .retrying: Self.retryInterval
            }
        guard force || interval.map({ now - lastAttempt >= $0 }) ?? true else { return nil }
        lastAttempt = now
        let offsets = safe.filter { assigned.contains($0.key) }
        guard offsets != committed || pacing != .idle else { return nil }
        return offsets
    }

    mutating func windowClosed() {
        if pacing == .idle { pacing = .windowClosed }
    }

    mutating func didCommit(_ offsets: [TopicPartition: Int64]) {
        committed = offsets
        pacing = .idle
    }

    /// A failed periodic commit waits for the next period; a window's is retried sooner.
    mutating func commitFailed() {
        if pacing == .windowClosed { pacing = .retrying }
    }

    /// Partitions are given up: `safe` is where this member accounted for their records.
    mutating func revoke(safe: [TopicPartition: Int64]) {
        revoked = safe
    }

    /// Where the partitions assigned again start, when the group's commit (`committed` reads
    /// it) is behind what this member accounted for before the revocation: a commit refused
    /// during the rebalance would otherwise have it count its own closed windows' records twice.
    /// Forgets the revocation.
    mutating func resumeOffsets(
        of partitions: [TopicPartition], committed: ([TopicPartition]) -> [TopicPartition: Int64?]
    ) -> [TopicPartition: Int64] {
        defer { revoked = [:] }
        let own = revoked.filter { partitions.contains($0.key) }
        guard !own.isEmpty else { return [:] }
        let group = committed(Array(own.keys))
        return own.filter { partition, offset in (group[partition] ?? nil).map { $0 < offset } ?? true }
    }
}
