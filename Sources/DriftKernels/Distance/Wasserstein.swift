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
        let nu = Double(u.count)
        let nv = Double(v.count)
        var i = 0
        var j = 0
        var previous = Swift.min(u[0], v[0])
        var total = 0.0
        while i < u.count || j < v.count {
            let next: Double
            if j >= v.count || (i < u.count && u[i] <= v[j]) {
                next = u[i]
            } else {
                next = v[j]
            }
            total += abs(Double(i) / nu - Double(j) / nv) * (next - previous)
            while i < u.count && u[i] == next { i += 1 }
            while j < v.count && v[j] == next { j += 1 }
            previous = next
        }
        return total
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
