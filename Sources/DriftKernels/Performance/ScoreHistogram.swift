/// Weights of positive and negative outcomes over equal-width score bins on [0, 1], from which
/// the area under the ROC curve is read. Mergeable by addition: a window's ROC-AUC is read
/// from the sum of its batches' histograms, and members' windows merge the same way.
///
/// AUC = Σ_b w⁺_b · (W⁻ below b + w⁻_b / 2) / (W⁺ · W⁻): pairs in different bins are ordered
/// exactly, pairs in one bin count one half, as tied scores do in scikit-learn's
/// `roc_auc_score`. So the error is at most Σ_b w⁺_b · w⁻_b / (2 W⁺ W⁻) (``aucErrorBound``),
/// and none when no bin holds distinct scores of both outcomes. Realised performance counts
/// outcomes (weights 1 and 0); estimated performance weighs each score by its probability.
public struct ScoreHistogram: Sendable, Hashable, Codable {
    /// Bins of the agent's windows: 16 KiB per model, and an error bound near 1/(2 × 1024)
    /// for scores spread evenly over [0, 1].
    public static let defaultBins = 1_024

    public private(set) var positive: [Double]
    public private(set) var negative: [Double]

    public init(bins: Int = Self.defaultBins) {
        precondition(bins > 0, "a score histogram needs a bin")
        positive = [Double](repeating: 0, count: bins)
        negative = positive
    }

    public var bins: Int { positive.count }

    /// The bin of a score in [0, 1]; scores outside are clamped to the outer bins.
    @inline(__always)
    public func bin(of score: Double) -> Int {
        let scaled = score * Double(positive.count)
        guard scaled > 0 else { return 0 }
        return scaled >= Double(positive.count - 1) ? min(positive.count - 1, Int(scaled)) : Int(scaled)
    }

    public mutating func add(score: Double, positive positiveWeight: Double, negative negativeWeight: Double) {
        let b = bin(of: score)
        positive[b] += positiveWeight
        negative[b] += negativeWeight
    }

    /// Adds `other`, of the same number of bins.
    public mutating func merge(_ other: ScoreHistogram) {
        precondition(other.bins == bins, "score histograms of different bins do not merge")
        for b in positive.indices {
            positive[b] += other.positive[b]
            negative[b] += other.negative[b]
        }
    }

    /// The area under the ROC curve; NaN without weight on both outcomes (scikit-learn
    /// refuses to compute it then).
    public var auc: Double {
        var below = 0.0
        var area = 0.0
        for b in positive.indices {
            area += positive[b] * (below + negative[b] / 2)
            below += negative[b]
        }
        let total = positive.reduce(0, +)
        guard total > 0, below > 0 else { return .nan }
        return area / (total * below)
    }

    /// The most ``auc`` can differ from the AUC of the scores themselves.
    public var aucErrorBound: Double {
        let totalPositive = positive.reduce(0, +)
        let totalNegative = negative.reduce(0, +)
        guard totalPositive > 0, totalNegative > 0 else { return .nan }
        var sameBin = 0.0
        for b in positive.indices { sameBin += positive[b] * negative[b] }
        return sameBin / (2 * totalPositive * totalNegative)
    }
}
