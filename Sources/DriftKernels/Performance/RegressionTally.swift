/// A window of regression predictions with their labels, as mergeable sums: MAE, RMSE, MAPE
/// and R², each as scikit-learn's (MAPE's denominator `max(|y|, ε)`, ε of Float64; R² 1 for
/// a perfect fit of constant labels and 0 for an imperfect one, as `force_finite`).
public struct RegressionTally: Sendable, Hashable, Codable {
    public private(set) var count = 0
    public private(set) var absoluteErrorSum = 0.0
    public private(set) var squaredErrorSum = 0.0
    public private(set) var relativeErrorSum = 0.0
    /// The labels' mean and sum of squared deviations (Welford, merged by Chan et al.).
    public private(set) var labelMean = 0.0
    public private(set) var labelSquaredDeviations = 0.0

    public init() {}

    public mutating func add(label: Double, predicted: Double) {
        let error = predicted - label
        count += 1
        absoluteErrorSum += abs(error)
        squaredErrorSum += error * error
        relativeErrorSum += abs(error) / max(abs(label), Double.ulpOfOne)
        let delta = label - labelMean
        labelMean += delta / Double(count)
        labelSquaredDeviations += delta * (label - labelMean)
    }

    public mutating func merge(_ other: RegressionTally) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let (na, nb) = (Double(count), Double(other.count))
        let delta = other.labelMean - labelMean
        labelSquaredDeviations += other.labelSquaredDeviations + delta * delta * na * nb / (na + nb)
        labelMean += delta * nb / (na + nb)
        count += other.count
        absoluteErrorSum += other.absoluteErrorSum
        squaredErrorSum += other.squaredErrorSum
        relativeErrorSum += other.relativeErrorSum
    }

    public var meanAbsoluteError: Double { count > 0 ? absoluteErrorSum / Double(count) : .nan }
    public var rootMeanSquaredError: Double { count > 0 ? (squaredErrorSum / Double(count)).squareRoot() : .nan }
    public var meanAbsolutePercentageError: Double { count > 0 ? relativeErrorSum / Double(count) : .nan }
    public var r2: Double {
        guard count > 0 else { return .nan }
        guard labelSquaredDeviations > 0 else { return squaredErrorSum == 0 ? 1 : 0 }
        return 1 - squaredErrorSum / labelSquaredDeviations
    }
}
