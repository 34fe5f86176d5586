import DriftKernels

/// One member's share of one performance window of a model: its joined predictions and labels
/// of the window, from the partitions it was assigned, once each of them was joined or
/// expired. Members publish these to the summaries topic beside their pane summaries; the
/// aggregator merges the shares of each window and judges it.
///
/// A share without a tally says only that the member finished every window up to `window`
/// on its partitions (they had no prediction in the windows since its last share), so the
/// aggregator need not wait for them.
public struct PerformanceContribution: Sendable, Codable {
    public static let currentFormat = 1
    /// The Kafka header that marks a performance share on the summaries topic.
    public static let header = MessageKind(name: "driftwatch-summary", value: "performance")

    public struct MessageKind: Sendable {
        public var name: String
        public var value: String
    }

    public var format = Self.currentFormat
    public var model: String
    public var windowMilliseconds: Int64
    /// The window's start divided by its length.
    public var window: Int64
    /// The input partitions the member was assigned, sorted (``PaneContribution/Source``).
    public var sources: [PaneContribution.Source]
    public var member: String
    public var tally: PerformanceTally?
    /// Predictions of the window that waited `max_delay` for their label in vain.
    public var expired: Int
    /// Multiclass: the member's class names, by its indexes in the tally.
    public var classes: [String]?

    public init(
        model: String, windowMilliseconds: Int64, window: Int64, sources: [PaneContribution.Source], member: String,
        tally: PerformanceTally?, expired: Int, classes: [String]? = nil
    ) {
        self.model = model
        self.windowMilliseconds = windowMilliseconds
        self.window = window
        self.sources = sources
        self.member = member
        self.tally = tally
        self.expired = expired
        self.classes = classes
    }

    /// The Kafka key: one per model, window and set of partitions (see ``PaneContribution/key``).
    public var key: String {
        "\(model)/performance/\(window)/" + sources.map(\.description).joined(separator: ",")
    }
}

extension PerformanceContribution {
    /// Whether a share (which comes from outside the process) can merge into `empty`, a fresh
    /// tally of the aggregator's own: the same task, threshold and bins, counts that are not
    /// negative nor beyond 2^48, finite sums, and at most `maximumClasses` named classes.
    public func isPlausible(like empty: PerformanceTally, maximumClasses: Int) -> Bool {
        let limit = 1 << 48
        func count(_ value: Int) -> Bool { value >= 0 && value <= limit }
        func sum(_ value: Double) -> Bool { value.isFinite && value >= 0 }
        guard format == Self.currentFormat, count(expired), !sources.isEmpty else { return false }
        guard let tally else { return true }
        switch (tally, empty) {
        case (.binary(let share), .binary(let own)):
            return share.threshold == own.threshold
                && [share.truePositives, share.falsePositives, share.falseNegatives, share.trueNegatives].allSatisfy(count)
                && count(share.count) && sum(share.logLossSum)
                && share.scores.positive.count == own.scores.bins && share.scores.negative.count == own.scores.bins
                && share.scores.positive.allSatisfy(sum) && share.scores.negative.allSatisfy(sum)
                && share.calibration.counts.count == own.calibration.counts.count
                && share.calibration.probabilitySums.count == own.calibration.counts.count
                && share.calibration.outcomeSums.count == own.calibration.counts.count
                && share.calibration.counts.allSatisfy(count) && share.calibration.probabilitySums.allSatisfy(sum)
                && share.calibration.outcomeSums.allSatisfy(sum)
        case (.multiclass(let share), .multiclass):
            guard let classes, classes.count <= maximumClasses, Set(classes).count == classes.count else { return false }
            return share.classes <= classes.count && share.counts.count == share.classes * share.classes
                && share.counts.allSatisfy(count) && count(share.count)
        case (.regression(let share), .regression):
            return count(share.count) && sum(share.absoluteErrorSum) && sum(share.squaredErrorSum) && sum(share.relativeErrorSum)
                && share.labelMean.isFinite && sum(share.labelSquaredDeviations)
        default:
            return false
        }
    }
}
