import KafkaIO

/// The partitions read so far, by a small id, and how far event time has got in each.
///
/// Event-time panes close no further than the oldest of the partitions' newest event times, so
/// that no partition's records turn late only because another one was fetched ahead of it. A
/// partition read to its end for `idleMilliseconds` is idle and holds nothing back.
struct PartitionClock {
    let idleMilliseconds: Int64
    /// By partition id.
    private(set) var partitions: [TopicPartition] = []
    private var idOfKey: [Int64: Int] = [:]
    private var idOfPartition: [TopicPartition: Int] = [:]
    /// By partition id: the newest event time read from it since it was assigned.
    private var newestEventTime: [Int64] = []
    /// Since when (wall ms) each partition read to its end has been there.
    private var atEndSince: [TopicPartition: Int64] = [:]

    init(idleMilliseconds: Int64) {
        self.idleMilliseconds = idleMilliseconds
    }

    /// The id of a topic's partition, given out the first time it is asked for.
    mutating func id(topicIndex: Int, partition: Int32, topic: @autoclosure () -> String) -> Int {
        let key = Int64(topicIndex) << 32 | Int64(partition)
        if let id = idOfKey[key] { return id }
        let id = partitions.count
        idOfKey[key] = id
        partitions.append(TopicPartition(topic: topic(), partition: partition))
        idOfPartition[partitions[id]] = id
        newestEventTime.append(.min)
        return id
    }

    subscript(id: Int) -> TopicPartition { partitions[id] }

    mutating func observe(eventTime: Int64, partition id: Int) {
        if eventTime > newestEventTime[id] { newestEventTime[id] = eventTime }
    }

    /// After a rebalance: the partitions' next records may come from further back.
    mutating func forgetEventTimes() {
        for id in newestEventTime.indices { newestEventTime[id] = .min }
    }

    /// The event time before which panes may close: the oldest newest event time of the
    /// `assigned` partitions that are not idle. A partition in `atEnd` is idle once it has been
    /// there `idleMilliseconds` with nothing more `fetched`; one never read holds everything back.
    mutating func limit(
        assigned: [TopicPartition], atEnd: Set<TopicPartition>, fetchedMore: (TopicPartition) -> Bool, now: Int64
    ) -> Int64 {
        var limit = Int64.max
        atEndSince = atEndSince.filter { atEnd.contains($0.key) }
        for partition in assigned {
            if atEnd.contains(partition) {
                let since = atEndSince[partition] ?? now
                atEndSince[partition] = since
                if !fetchedMore(partition) && now - since >= idleMilliseconds { continue }
            }
            guard let id = idOfPartition[partition] else { return .min }
            limit = min(limit, newestEventTime[id])
        }
        return limit
    }

    /// Offsets held by a closed window, per partition id, for the log: `topic[p]:first-last,...`.
    func describe(_ offsets: [Int: ClosedRange<Int64>]) -> String {
        offsets.map { (partitions[$0.key].description, $0.value) }.sorted { $0.0 < $1.0 }
            .map { "\($0.0):\($0.1.lowerBound)-\($0.1.upperBound)" }.joined(separator: ",")
    }
}
