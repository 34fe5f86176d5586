/// Per probability bin, the count, the sum of predicted probabilities and the sum of outcomes,
/// for the expected calibration error: Σ_b (n_b / n) · |mean outcome_b − mean probability_b|.
///
/// The bins are scikit-learn's `calibration_curve(strategy="uniform")`: edges
/// `linspace(0, 1 + 1e-8, bins + 1)`, a probability in the bin of the inner edges at or below
/// it. Mergeable by addition.
public struct CalibrationBins: Sendable, Hashable, Codable {
    public static let defaultBins = 10

    public private(set) var counts: [Int]
    public private(set) var probabilitySums: [Double]
    public private(set) var outcomeSums: [Double]

    public init(bins: Int = Self.defaultBins) {
        precondition(bins > 0, "calibration needs a bin")
        counts = [Int](repeating: 0, count: bins)
        probabilitySums = [Double](repeating: 0, count: bins)
        outcomeSums = probabilitySums
    }

    /// numpy's `searchsorted(edges[1:-1], p, side="right")`, with numpy's linspace edges.
    @inline(__always)
    func bin(of probability: Double) -> Int {
        let step = (1 + 1e-8) / Double(counts.count)
        var b = 0
        while b < counts.count - 1 && Double(b + 1) * step <= probability { b += 1 }
        return b
    }

    public mutating func add(probability: Double, outcome: Double) {
        let b = bin(of: probability)
        counts[b] += 1
        probabilitySums[b] += probability
        outcomeSums[b] += outcome
    }

    public mutating func merge(_ other: CalibrationBins) {
        precondition(other.counts.count == counts.count, "calibration bins of different sizes do not merge")
        for b in counts.indices {
            counts[b] += other.counts[b]
            probabilitySums[b] += other.probabilitySums[b]
            outcomeSums[b] += other.outcomeSums[b]
        }
    }

    /// The expected calibration error; NaN when empty.
    public var expectedCalibrationError: Double {
        let total = counts.reduce(0, +)
        guard total > 0 else { return .nan }
        var error = 0.0
        for b in counts.indices where counts[b] > 0 {
            error += abs(outcomeSums[b] - probabilitySums[b]) / Double(total)
        }
        return error
    }
}
