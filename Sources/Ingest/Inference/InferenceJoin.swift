/// Joins each inference request with its response (same ``InferencePayload/id``) so that a
/// row holds the model's inputs and its predictions, waiting a bounded time for the other half.
///
/// A half whose partner does not come within ``timeoutMilliseconds`` (of event time, or of
/// wall-clock time when the stream goes quiet) is released alone: a request whose response
/// failed is still traffic the model saw. At most ``capacity`` halves wait; beyond that the
/// oldest is released. The join remembers where each waiting half was read, so that the
/// consumer never stores an offset past a record that only the join holds.
public struct InferenceJoin {
    /// Where a half was read: a partition (as the pipeline numbers them) and an offset.
    public struct Origin: Hashable, Sendable {
        public var partition: Int
        public var offset: Int64

        public init(partition: Int, offset: Int64) {
            self.partition = partition
            self.offset = offset
        }
    }

    /// How a payload left the join.
    public enum Outcome: String, Sendable, CaseIterable {
        case joined
        /// A request released without its response (timed out, displaced or at capacity).
        case requestOnly = "request_only"
        case responseOnly = "response_only"
    }

    /// A payload ready for the monitors, and the records it came from.
    public struct Release {
        public var payload: InferencePayload
        public var origins: [Origin]
        public var outcome: Outcome
    }

    private struct Waiting {
        var payload: InferencePayload
        var origin: Origin
        var eventTime: Int64
        var wallTime: Int64
        var sequence: Int
    }

    public let timeoutMilliseconds: Int64
    public let capacity: Int
    private var waiting: [[UInt8]: Waiting] = [:]
    /// Ids in arrival order, with the sequence they arrived under (stale once joined).
    private var order: [(id: [UInt8], sequence: Int)] = []
    private var head = 0
    private var sequence = 0
    private var latestEventTime = Int64.min

    public init(timeoutMilliseconds: Int64 = 30_000, capacity: Int = 100_000) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.capacity = max(1, capacity)
    }

    /// Halves waiting for their partner.
    public var count: Int { waiting.count }

    /// Takes one half (a payload whose role is request or response); releases the joined
    /// pair if its partner was waiting, or a displaced half with the same id and role.
    public mutating func offer(
        _ payload: InferencePayload, origin: Origin, eventTime: Int64, wallTime: Int64, release: (Release) -> Void
    ) {
        latestEventTime = max(latestEventTime, eventTime)
        if let partner = waiting[payload.id] {
            if partner.payload.role != payload.role {
                waiting[payload.id] = nil
                var joined = partner.payload.role == .request ? partner.payload : payload
                joined.merge(partner.payload.role == .request ? payload : partner.payload)
                compact()
                release(Release(payload: joined, origins: [partner.origin, origin], outcome: .joined))
                return
            }
            // The same half twice (a retried request): the first goes alone.
            waiting[payload.id] = nil
            release(Self.alone(partner))
        }
        sequence += 1
        waiting[payload.id] = Waiting(payload: payload, origin: origin, eventTime: eventTime, wallTime: wallTime, sequence: sequence)
        order.append((payload.id, sequence))
        while waiting.count > capacity, let oldest = popOldest() { release(Self.alone(oldest)) }
    }

    /// Releases the halves that waited longer than the timeout.
    public mutating func expire(wallTime: Int64, release: (Release) -> Void) {
        while head < order.count {
            let (id, sequence) = order[head]
            guard let entry = waiting[id], entry.sequence == sequence else {
                head += 1
                continue
            }
            let waitedEvent = latestEventTime == .min ? 0 : latestEventTime - entry.eventTime
            guard waitedEvent > timeoutMilliseconds || wallTime - entry.wallTime > timeoutMilliseconds else { break }
            waiting[id] = nil
            head += 1
            release(Self.alone(entry))
        }
        compact()
    }

    /// The lowest offset a waiting half holds on `partition`, if any.
    public func lowestWaitingOffset(partition: Int) -> Int64? {
        var lowest: Int64?
        for entry in waiting.values where entry.origin.partition == partition {
            lowest = min(lowest ?? entry.origin.offset, entry.origin.offset)
        }
        return lowest
    }

    private mutating func popOldest() -> Waiting? {
        while head < order.count {
            let (id, sequence) = order[head]
            head += 1
            if let entry = waiting[id], entry.sequence == sequence {
                waiting[id] = nil
                compact()
                return entry
            }
        }
        return nil
    }

    /// Drops arrival records already passed or joined, so that ``order`` stays bounded by
    /// the waiting halves even when ``expire(wallTime:release:)`` has nothing to release.
    private mutating func compact() {
        if waiting.isEmpty {
            order.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    private static func alone(_ entry: Waiting) -> Release {
        Release(payload: entry.payload, origins: [entry.origin], outcome: entry.payload.role == .request ? .requestOnly : .responseOnly)
    }
}
