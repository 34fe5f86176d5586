#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// First Wasserstein (earth mover's) distance between two one-dimensional distributions.
public enum Wasserstein {
    /// Exact distance between two samples, as `scipy.stats.wasserstein_distance(u, v)`:
    /// the integral of `|U(x) - V(x)|` over the merged support.
    /// - Parameters: both samples sorted ascending, without NaN.
    public static func distance(sortedReference u: UnsafeBufferPointer<Double>, sortedCurrent v: UnsafeBufferPointer<Double>) -> Double {
        guard !u.isEmpty, !v.isEmpty else { return .nan }
        var area = AreaBetween(u, v)
        TiedRuns.forEach(u, v) { area.add($0) }
        return area.distance
    }

    /// The area between two samples' CDFs, added one distinct value of the pooled sample at a
    /// time: the gap below each value, over the step up to it.
    struct AreaBetween {
        let nu: Double
        let nv: Double
        var previous: Double
        /// The area times `nu * nv`: each step's CDF gap `i/nu - j/nv` is `(i nv - j nu) / (nu nv)`,
        /// whose numerator is exact in doubles, so the walk has no division.
        private var scaledArea = 0.0
        var distance: Double { scaledArea / (nu * nv) }

        /// - Parameters: both samples sorted and not empty.
        init(_ u: UnsafeBufferPointer<Double>, _ v: UnsafeBufferPointer<Double>) {
            nu = Double(u.count)
            nv = Double(v.count)
            previous = Swift.min(u[0], v[0])
        }

        @inline(__always)
        mutating func add(_ run: TiedRuns.Run) {
            scaledArea += abs(Double(run.a.lowerBound) * nv - Double(run.b.lowerBound) * nu) * (run.value - previous)
            previous = run.value
        }
    }

    /// Distance between two histograms over the same edges. The open outer bins are closed
    /// at `lowerBound` and `upperBound` (the smallest and largest value on either side).
    ///
    /// In each bin `[a, b)` the integral of a CDF is exact from the bin's count and value sum:
    /// `F(a) (b - a) + (count b - sum) / n`. So the result is exact except in bins where the
    /// two CDFs cross, where it can fall short by at most that bin's share of the integral.
    public static func distance(reference: Histogram, current: Histogram, edges: BinEdges, lowerBound: Double, upperBound: Double) -> Double {
        precondition(reference.binCount == edges.binCount && current.binCount == edges.binCount)
        let referenceTotal = Double(reference.total)
        let currentTotal = Double(current.total)
        guard referenceTotal > 0, currentTotal > 0 else { return .nan }
        var cumulativeReference = 0.0
        var cumulativeCurrent = 0.0
        var total = 0.0
        for bin in 0..<edges.binCount {
            let lower = bin == 0 ? Swift.min(lowerBound, edges.values.first ?? lowerBound) : edges.values[bin - 1]
            let upper = bin == edges.binCount - 1 ? Swift.max(upperBound, edges.values.last ?? upperBound) : edges.values[bin]
            let width = Swift.max(upper - lower, 0)
            let integralReference = cumulativeReference * width
                + (Double(reference.counts[bin]) * upper - reference.sums[bin]) / referenceTotal
            let integralCurrent = cumulativeCurrent * width
                + (Double(current.counts[bin]) * upper - current.sums[bin]) / currentTotal
            total += abs(integralReference - integralCurrent)
            cumulativeReference += Double(reference.counts[bin]) / referenceTotal
            cumulativeCurrent += Double(current.counts[bin]) / currentTotal
        }
        return total
    }
}
