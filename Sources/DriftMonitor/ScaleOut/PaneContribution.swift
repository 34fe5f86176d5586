import DriftKernels

/// One agent's share of one event-time pane of a model: the mergeable summary of the records
/// it read from its partitions. Members of a scaled-out consumer group publish these to the
/// summaries topic; the aggregator merges the shares of each pane and judges the windows.
///
/// Categories travel by name, since each agent numbers them in its own dictionaries.
public struct PaneContribution: Sendable, Codable {
    /// An input partition whose records of the pane the contribution holds.
    public struct Source: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
        public var topic: String
        public var partition: Int32

        public init(topic: String, partition: Int32) {
            self.topic = topic
            self.partition = partition
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition) }
        public var description: String { "\(topic)/\(partition)" }
    }

    /// A categorical feature's counts by category name.
    public struct Categories: Sendable, Codable {
        public var counts: [String: Int]
        public var missing: Int
        public var typeMismatches: Int
        public var nonFinite: Int
    }

    public static let currentFormat = 1

    public var format = Self.currentFormat
    public var model: String
    /// The reference the member summarised against: its bins must be the aggregator's.
    public var referenceVersion: String
    public var slideMilliseconds: Int64
    /// The pane's key: its start divided by the slide.
    public var pane: Int64
    /// The partitions the member was assigned when it closed the pane, sorted: every record of
    /// the pane on them is in this summary, and the member closed every earlier pane.
    public var sources: [Source]
    /// Who sent it, for logs.
    public var member: String
    public var records: Int
    public var numeric: [WindowSummary.Numeric]
    public var categorical: [Categories]
    public var reconstruction: PrincipalComponents.ErrorSum
    /// Vector features' embeddings and means (absent from members of models without vectors).
    public var vectors: [WindowSummary.Vector]?
    public var firstEventTime: Int64?
    public var lastEventTime: Int64?
    public var duplicateRecords: Int
    public var unknownFieldRecords: Int
    public var unknownFields: [String]

    /// The Kafka key: one per model, pane and set of partitions, so a compacted topic keeps
    /// every member's share and a member that publishes the same share again replaces it.
    public var key: String {
        "\(model)/\(pane)/" + sources.map(\.description).joined(separator: ",")
    }
}

extension PaneContribution {
    /// Counts no agent could have sent (a share comes from outside the process): negative,
    /// beyond 2^48 (where merging could overflow), or sums not matching their bins.
    var isPlausible: Bool {
        let limit = 1 << 48
        func count(_ value: Int) -> Bool { value >= 0 && value <= limit }
        return count(records) && count(duplicateRecords) && count(unknownFieldRecords) && count(reconstruction.rows)
            && numeric.allSatisfy { feature in
                feature.histogram.sums.count == feature.histogram.counts.count && feature.histogram.counts.allSatisfy(count)
                    && count(feature.moments.count) && count(feature.missing) && count(feature.typeMismatches) && count(feature.nonFinite)
                    && count(feature.outOfRange) && count(feature.repeats)
            }
            && categorical.allSatisfy { feature in
                feature.counts.values.allSatisfy(count) && count(feature.missing) && count(feature.typeMismatches) && count(feature.nonFinite)
            }
            && (vectors ?? []).allSatisfy { feature in
                count(feature.embedding.count) && count(feature.mean.count) && count(feature.reconstruction.rows) && count(feature.missing)
                    && count(feature.typeMismatches) && count(feature.nonFinite) && feature.embedding.sums.allSatisfy(\.isFinite)
                    && feature.mean.sums.allSatisfy(\.isFinite) && feature.embedding.squaredNormSum.isFinite
                    && feature.projected.count <= 2 * WindowSummary.Vector.projectedRows && feature.projected.allSatisfy(\.isFinite)
            }
    }
}

/// Why a contribution cannot be merged into a monitor.
public struct ContributionError: Error, CustomStringConvertible {
    public var description: String
}
