/// Interior bin edges of a histogram whose outer bins are open.
///
/// `n` edges define `n + 1` bins: bin 0 is `(-inf, e0)`, bin `i` is `[e(i-1), e(i))`,
/// the last bin is `[e(n-1), +inf)`. This is `numpy.histogram` with `-inf` and `+inf`
/// added as outer edges, which is how reference PSI bins are usually written in Python.
public struct BinEdges: Sendable, Hashable, Codable {
    /// Sorted, strictly increasing, finite edges.
    public let values: [Double]

    /// The number of bins, `values.count + 1`.
    public var binCount: Int { values.count + 1 }

    /// Creates edges from any finite values; sorts them and drops duplicates.
    public init(_ values: [Double]) {
        // A profile's edges come sorted and unique: kept as they are, sharing the profile's storage.
        if values.allSatisfy(\.isFinite) && zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) {
            self.values = values
            return
        }
        var sorted = values.filter { $0.isFinite }
        sorted.sort()
        var unique: [Double] = []
        unique.reserveCapacity(sorted.count)
        for value in sorted where unique.last != value {
            unique.append(value)
        }
        self.values = unique
    }

    /// Edges at the reference quantiles `1/bins, 2/bins, ..., (bins-1)/bins`, with numpy's
    /// default (`linear`) interpolation. Ties collapse, so a column with few distinct values
    /// gets fewer bins.
    ///
    /// - Parameter sorted: the reference values, ascending, without NaN.
    public static func quantiles(ofSorted sorted: UnsafeBufferPointer<Double>, bins: Int) -> BinEdges {
        guard sorted.count > 0, bins > 1 else { return BinEdges([]) }
        let probabilities = (1..<bins).map { Double($0) / Double(bins) }
        return BinEdges(Quantile.linear(ofSorted: sorted, probabilities: probabilities))
    }

    /// The index of the bin that holds `x` (NaN is the caller's to filter out).
    @inlinable
    public func bin(of x: Double) -> Int {
        // Upper bound: the number of edges <= x.
        var low = 0
        var count = values.count
        values.withUnsafeBufferPointer { edges in
            while count > 0 {
                let half = count / 2
                if edges[low + half] <= x {
                    low += half + 1
                    count -= half + 1
                } else {
                    count = half
                }
            }
        }
        return low
    }
}

/// Quantiles of sorted samples.
public enum Quantile {
    /// numpy's default `linear` method: the value at fractional index `p * (n - 1)`.
    public static func linear(ofSorted sorted: UnsafeBufferPointer<Double>, probabilities: [Double]) -> [Double] {
        let n = sorted.count
        guard n > 0 else { return probabilities.map { _ in .nan } }
        return probabilities.map { p in
            let position = Double(n - 1) * p
            let lower = Int(position.rounded(.down))
            let upper = Swift.min(lower + 1, n - 1)
            let fraction = position - Double(lower)
            // numpy's _lerp: a + (b - a) * t, switched to b - (b - a) * (1 - t) for t >= 0.5.
            let a = sorted[lower]
            let b = sorted[upper]
            let difference = b - a
            return fraction >= 0.5 ? b - difference * (1 - fraction) : a + difference * fraction
        }
    }
}
