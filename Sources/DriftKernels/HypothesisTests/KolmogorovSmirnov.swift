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
        /// The method the p-value came from.
        public var method: Method
    }

    /// How the p-value is computed, as `scipy.stats.ks_2samp(method=...)`.
    public enum Method: String, Sendable, Hashable {
        /// Exact when both samples have at most ``largestExactSample`` values, else asymptotic.
        case auto
        /// Exact null distribution of `D` (Hodges' lattice-path count); falls back to the
        /// asymptotic value where it cannot be computed in doubles.
        case exact
        /// `kstwo.sf(D, round(n m / (n + m)))`.
        case asymptotic
    }

    /// Sample size up to which `.auto` computes the exact p-value (scipy's `MAX_AUTO_N`).
    public static let largestExactSample = 10_000

    /// The two-sided test of two sorted samples without NaN, as
    /// `scipy.stats.ks_2samp(reference, current, method=method)`.
    ///
    /// With the exact method the statistic is rounded to the lattice `h / lcm(n, m)` it
    /// lives on, as scipy does. Exact cost is O(n + m) for equal sizes and
    /// O(max(n, m) * D * min(n, m)) otherwise; `.auto` keeps that below 1e8 steps.
    public static func test(
        sortedReference a: UnsafeBufferPointer<Double>, sortedCurrent b: UnsafeBufferPointer<Double>, method: Method = .auto
    ) -> Result {
        result(statistic: statistic(sortedReference: a, sortedCurrent: b), referenceCount: a.count, currentCount: b.count, method: method)
    }

    /// The test of a statistic `d` of samples of sizes `n` and `m` (``test(sortedReference:sortedCurrent:method:)``
    /// after the statistic).
    static func result(statistic d: Double, referenceCount n: Int, currentCount m: Int, method: Method = .auto) -> Result {
        guard !d.isNaN else { return Result(statistic: .nan, pvalue: .nan, method: method) }
        guard method == .exact || (method == .auto && Swift.max(n, m) <= largestExactSample) else {
            return Result(statistic: d, pvalue: asymptoticPValue(statistic: d, referenceCount: n, currentCount: m), method: .asymptotic)
        }
        if let exact = exactTest(statistic: d, referenceCount: n, currentCount: m) { return exact }
        // scipy rounds D to its lattice before it tries the exact p-value, and keeps the
        // rounded value when it falls back to the asymptotic one.
        let lattice = latticeStatistic(d, referenceCount: n, currentCount: m) ?? d
        return Result(statistic: lattice, pvalue: asymptoticPValue(statistic: lattice, referenceCount: n, currentCount: m), method: .asymptotic)
    }

    /// `D` rounded to the lattice `h / lcm(n, m)` it lives on (differences of `i / n - j / m`
    /// carry rounding errors), or nil when the lcm overflows.
    static func latticeStatistic(_ d: Double, referenceCount n: Int, currentCount m: Int) -> Double? {
        guard let (_, lcm) = lattice(n, m) else { return nil }
        return (d * Double(lcm)).rounded(.toNearestOrEven) / Double(lcm)
    }

    /// The gcd and lcm of two positive sample sizes, or nil when the lcm overflows.
    private static func lattice(_ n: Int, _ m: Int) -> (gcd: Int, lcm: Int)? {
        guard n > 0, m > 0 else { return nil }
        let g = greatestCommonDivisor(n, m)
        let (lcm, overflow) = (n / g).multipliedReportingOverflow(by: m)
        return overflow ? nil : (g, lcm)
    }

    /// The exact two-sided p-value `P(D >= d)` for sample sizes `n` and `m`, or nil when the
    /// lattice is too large or the recursion leaves the range of doubles.
    public static func exactTest(statistic d: Double, referenceCount n: Int, currentCount m: Int) -> Result? {
        guard let (g, lcm) = lattice(n, m), n / g < Int(Int32.max) / (m / g) else { return nil }
        let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
        let lattice = Double(h) / Double(lcm)
        if h == 0 { return Result(statistic: lattice, pvalue: 1, method: .exact) }
        let p = n == m ? probabilityOutsideSquare(n: n, h: h) : probabilityOutsideBand(n, m, g: g, h: h)
        guard p.isFinite, p >= 0, p <= 1 else { return nil }
        return Result(statistic: lattice, pvalue: p, method: .exact)
    }

    /// The exact statistic `D = sup |F_ref(x) - F_cur(x)|` of two sorted samples, the value
    /// `scipy.stats.ks_2samp` reports.
    public static func statistic(sortedReference a: UnsafeBufferPointer<Double>, sortedCurrent b: UnsafeBufferPointer<Double>) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        var gap = GapMaximum(a.count, b.count)
        TiedRuns.forEach(a, b) { gap.add($0) }
        return gap.statistic
    }

    /// The largest gap between the two samples' CDFs, added one distinct value of the pooled
    /// sample at a time.
    struct GapMaximum {
        let na: Double
        let nb: Double
        private(set) var statistic = 0.0

        init(_ countA: Int, _ countB: Int) {
            na = Double(countA)
            nb = Double(countB)
        }

        @inline(__always)
        mutating func add(_ run: TiedRuns.Run) {
            statistic = Swift.max(statistic, abs(Double(run.a.upperBound) / na - Double(run.b.upperBound) / nb))
        }
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

extension KolmogorovSmirnov {
    static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// `P(D(n, n) >= h / n)`: the alternating sum of binomial ratios, in Horner form so that
    /// nothing cancels: `2 A0 (1 - A1 (1 - A2 (1 - ...)))`.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var term = 1.0
            for j in 0..<h {
                term = Double(n - k * h - j) * term / Double(n + k * h + j + 1)
            }
            p = term * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// `P(D(n, m) >= h / lcm)` for unequal sizes: Hodges' inside method over one sliding column
    /// of the lattice, carrying `1 - p` so that small p-values keep their digits (Viehmann 2021).
    static func probabilityOutsideBand(_ n1: Int, _ n2: Int, g: Int, h: Int) -> Double {
        let m = Swift.max(n1, n2)
        let n = Swift.min(n1, n2)
        let mg = Double(m / g)
        let ng = Double(n / g)
        let hd = Double(h)
        var minj = 0
        var maxj = Swift.min(Int((hd / mg).rounded(.up)), n + 1)
        var length = maxj - minj
        var column = [Double](repeating: 1, count: Swift.min(2 * maxj + 2, n + 1))
        for j in minj..<maxj { column[j] = 0 }
        return column.withUnsafeMutableBufferPointer { a in
            for i in 1...m {
                let lastMinj = minj
                let lastLength = length
                minj = Swift.min(Swift.max(Int(((ng * Double(i) - hd) / mg).rounded(.down)) + 1, 0), n)
                maxj = Swift.min(Int(((ng * Double(i) + hd) / mg).rounded(.up)), n + 1)
                if maxj <= minj { return 1 }
                let di = Double(i)
                var value = minj == 0 ? 0.0 : 1.0
                for jj in 0..<(maxj - minj) {
                    let j = Double(jj + minj)
                    value = (a[jj + minj - lastMinj] * di + value * j) / (di + j)
                    a[jj] = value
                }
                length = maxj - minj
                if lastLength > length {
                    for index in length..<(lastLength) { a[index] = 1 }
                }
            }
            return a[maxj - minj - 1]
        }
    }
}
