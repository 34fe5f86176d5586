/// A set of vectors summarised by its random Fourier features (``RandomFourierFeatures``):
/// the sum of the rows' feature maps, their count, and the sum of their squared norms. Sums,
/// so that summaries of batches, panes and members merge by addition, in O(D) memory
/// whatever the rows.
public struct MeanEmbedding: Sendable, Hashable, Codable {
    /// Σ φ(x) over the rows, coordinate by coordinate.
    public internal(set) var sums: [Double]
    public internal(set) var count = 0
    /// Σ ‖φ(x)‖²: each is k̂(x, x), about 1; the unbiased MMD² leaves these diagonal terms out.
    public internal(set) var squaredNormSum = 0.0

    public init(features: Int) {
        sums = [Double](repeating: 0, count: features)
    }

    public var features: Int { sums.count }

    /// The mean feature map (zeros for no rows).
    public var mean: [Double] { count > 0 ? sums.map { $0 / Double(count) } : sums }

    public mutating func merge(_ other: MeanEmbedding) {
        precondition(other.features == features, "embeddings of different feature counts do not merge")
        for j in sums.indices { sums[j] += other.sums[j] }
        count += other.count
        squaredNormSum += other.squaredNormSum
    }

    /// The rows of `self` not in `part` (a subset whose summary was added to it).
    public func removing(_ part: MeanEmbedding) -> MeanEmbedding {
        var rest = self
        for j in rest.sums.indices { rest.sums[j] -= part.sums[j] }
        rest.count -= part.count
        rest.squaredNormSum -= part.squaredNormSum
        return rest
    }

    /// MMD² between the two sets under the approximated kernel k̂(x, y) = φ(x)·φ(y).
    ///
    /// `unbiased` (the U-statistic) leaves out each set's k̂(x, x): its expectation is 0 when
    /// the sets come from one distribution, whatever their sizes, so thresholds calibrated on
    /// chunks of one size hold for windows of another; it can be slightly negative. Biased
    /// (the V-statistic) is ‖mean φ(X) − mean φ(Y)‖². NaN when a set has too few rows.
    public func squaredDiscrepancy(to other: MeanEmbedding, unbiased: Bool = true) -> Double {
        precondition(other.features == features, "embeddings of different feature counts do not compare")
        let (m, n) = (Double(count), Double(other.count))
        guard unbiased ? m > 1 && n > 1 : m > 0 && n > 0 else { return .nan }
        var xx = 0.0, yy = 0.0, xy = 0.0
        for j in sums.indices {
            xx += sums[j] * sums[j]
            yy += other.sums[j] * other.sums[j]
            xy += sums[j] * other.sums[j]
        }
        guard unbiased else { return xx / (m * m) + yy / (n * n) - 2 * xy / (m * n) }
        return (xx - squaredNormSum) / (m * (m - 1)) + (yy - other.squaredNormSum) / (n * (n - 1)) - 2 * xy / (m * n)
    }
}
