#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two-sample Kolmogorov-Smirnov test.
public enum KolmogorovSmirnov {
    /// The statistic and its two-sided p-value.
    public struct Result: Sendable, Hashable {
        public var statistic: Double
        public var pvalue: Double
    }

    /// The exact statistic `D = sup |F_ref(x) - F_cur(x)|` of two sorted samples, the value
    /// `scipy.stats.ks_2samp` reports.
    public static func statistic(sortedReference a: UnsafeBufferPointer<Double>, sortedCurrent b: UnsafeBufferPointer<Double>) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        let na = Double(a.count)
        let nb = Double(b.count)
        var i = 0
        var j = 0
        var d = 0.0
        while i < a.count && j < b.count {
            let x = Swift.min(a[i], b[j])
            while i < a.count && a[i] == x { i += 1 }
            while j < b.count && b[j] == x { j += 1 }
            d = Swift.max(d, abs(Double(i) / na - Double(j) / nb))
        }
        return d
    }

    /// The statistic from two histograms over the same bins: the largest CDF gap at a bin edge.
    ///
    /// It never exceeds the exact statistic, and falls short of it by at most the largest
    /// mass one bin holds on either side.
    public static func statistic(reference: [Int], current: [Int]) -> Double {
        precondition(reference.count == current.count)
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        guard referenceTotal > 0, currentTotal > 0 else { return .nan }
        var cumulativeReference = 0
        var cumulativeCurrent = 0
        var d = 0.0
        for bin in reference.indices {
            cumulativeReference += reference[bin]
            cumulativeCurrent += current[bin]
            d = Swift.max(d, abs(Double(cumulativeReference) / referenceTotal - Double(cumulativeCurrent) / currentTotal))
        }
        return d
    }

    /// The two-sided p-value of a statistic for sample sizes `n` and `m` with the asymptotic
    /// method of `scipy.stats.ks_2samp(method="asymp")`: `kstwo.sf(d, round(n*m/(n+m)))`.
    public static func asymptoticPValue(statistic d: Double, referenceCount n: Int, currentCount m: Int) -> Double {
        guard n > 0, m > 0, !d.isNaN else { return .nan }
        let big = Double(Swift.max(n, m))
        let small = Double(Swift.min(n, m))
        let effective = (big * small / (big + small)).rounded(.toNearestOrEven)
        return KolmogorovDistribution.survival(Swift.max(Int(effective), 1), d)
    }
}
