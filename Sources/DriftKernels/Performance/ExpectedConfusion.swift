/// Confidence-based performance estimation (NannyML's CBPE) for a binary classifier whose
/// scores are calibrated probabilities: before any label comes, each prediction contributes
/// its probability of being right to the expected confusion matrix,
/// E[TP] = Σ_{ŷ=1} p, E[FP] = Σ_{ŷ=1} (1 − p), E[FN] = Σ_{ŷ=0} p, E[TN] = Σ_{ŷ=0} (1 − p),
/// and the estimated metrics are read from it as from a realised one. The estimated ROC-AUC
/// weighs each score by p (positive) and 1 − p (negative) in a ``ScoreHistogram``. All sums:
/// windows merge by addition.
public struct ExpectedConfusion: Sendable, Hashable, Codable {
    public let threshold: Double
    public private(set) var count = 0
    public private(set) var truePositives = 0.0
    public private(set) var falsePositives = 0.0
    public private(set) var falseNegatives = 0.0
    public private(set) var trueNegatives = 0.0
    public private(set) var scores: ScoreHistogram

    public init(threshold: Double = 0.5, scoreBins: Int = ScoreHistogram.defaultBins) {
        self.threshold = threshold
        scores = ScoreHistogram(bins: scoreBins)
    }

    /// One prediction: `probability` the positive class's calibrated probability in [0, 1].
    public mutating func add(probability: Double) {
        count += 1
        if probability >= threshold {
            truePositives += probability
            falsePositives += 1 - probability
        } else {
            falseNegatives += probability
            trueNegatives += 1 - probability
        }
        scores.add(score: probability, positive: probability, negative: 1 - probability)
    }

    public mutating func merge(_ other: ExpectedConfusion) {
        count += other.count
        truePositives += other.truePositives
        falsePositives += other.falsePositives
        falseNegatives += other.falseNegatives
        trueNegatives += other.trueNegatives
        scores.merge(other.scores)
    }

    public var accuracy: Double { count > 0 ? (truePositives + trueNegatives) / Double(count) : .nan }
    public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double { Self.ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double { Self.ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    public var rocAUC: Double { scores.auc }

    static func ratio(_ part: Double, _ whole: Double) -> Double { whole > 0 ? part / whole : .nan }
}
