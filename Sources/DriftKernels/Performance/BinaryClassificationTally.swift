#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a window of binary predictions with their labels says about the model, as mergeable
/// sums: the confusion matrix at the decision threshold, score histograms by outcome
/// (ROC-AUC), the log loss and calibration bins.
///
/// Each metric equals scikit-learn's on the same records: precision, recall and F1 of the
/// positive class with `zero_division` 0, `log_loss` with probabilities clipped to
/// [ε, 1 − ε] (ε of Float64), ROC-AUC within ``ScoreHistogram/aucErrorBound``.
public struct BinaryClassificationTally: Sendable, Hashable, Codable {
    /// A score at or above it predicts the positive class.
    public let threshold: Double
    public private(set) var truePositives = 0
    public private(set) var falsePositives = 0
    public private(set) var falseNegatives = 0
    public private(set) var trueNegatives = 0
    public private(set) var logLossSum = 0.0
    public private(set) var scores: ScoreHistogram
    public private(set) var calibration: CalibrationBins

    public init(threshold: Double = 0.5, scoreBins: Int = ScoreHistogram.defaultBins) {
        self.threshold = threshold
        scores = ScoreHistogram(bins: scoreBins)
        calibration = CalibrationBins()
    }

    public var count: Int { truePositives + falsePositives + falseNegatives + trueNegatives }

    /// One prediction: `score` the positive class's probability in [0, 1].
    public mutating func add(positive: Bool, score: Double) {
        let predictedPositive = score >= threshold
        switch (positive, predictedPositive) {
        case (true, true): truePositives += 1
        case (false, true): falsePositives += 1
        case (true, false): falseNegatives += 1
        case (false, false): trueNegatives += 1
        }
        let epsilon = Double.ulpOfOne
        let probability = positive ? score : 1 - score
        logLossSum -= log(min(max(probability, epsilon), 1 - epsilon))
        scores.add(score: score, positive: positive ? 1 : 0, negative: positive ? 0 : 1)
        calibration.add(probability: score, outcome: positive ? 1 : 0)
    }

    public mutating func merge(_ other: BinaryClassificationTally) {
        truePositives += other.truePositives
        falsePositives += other.falsePositives
        falseNegatives += other.falseNegatives
        trueNegatives += other.trueNegatives
        logLossSum += other.logLossSum
        scores.merge(other.scores)
        calibration.merge(other.calibration)
    }

    public var accuracy: Double { count > 0 ? Double(truePositives + trueNegatives) / Double(count) : .nan }
    public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double { Self.ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double { Self.ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    public var rocAUC: Double { scores.auc }
    public var logLoss: Double { count > 0 ? logLossSum / Double(count) : .nan }
    public var expectedCalibrationError: Double { calibration.expectedCalibrationError }

    /// `part / whole`, 0 for an empty whole (scikit-learn's `zero_division` default, with a warning).
    static func ratio(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : 0 }
}
