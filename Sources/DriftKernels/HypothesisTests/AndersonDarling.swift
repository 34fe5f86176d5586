import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Anderson-Darling k-sample test (Scholz and Stephens 1987) for two samples, as
/// `scipy.stats.anderson_ksamp([reference, current], variant="midrank")`.
///
/// More sensitive than KS in the tails. The p-value is scipy's interpolation of the table of
/// critical values, so it is clamped to `[0.001, 0.25]`.
public enum AndersonDarling {
    public struct Result: Sendable, Hashable {
        /// The standardised statistic `(A2akN - (k - 1)) / sigma`.
        public var statistic: Double
        public var pvalue: Double
    }

    /// - Parameters: both samples sorted ascending, without NaN.
    /// - Returns: nan statistic and p-value when a sample is empty or all values are equal.
    public static func test(sortedReference a: UnsafeBufferPointer<Double>, sortedCurrent b: UnsafeBufferPointer<Double>) -> Result {
        guard !a.isEmpty, !b.isEmpty, !allEqual(a, b) else { return Result(statistic: .nan, pvalue: .nan) }
        var sum = MidrankSum(a.count, b.count)
        TiedRuns.forEach(a, b) { sum.add($0) }
        return result(midrankStatistic: sum.statistic, referenceCount: a.count, currentCount: b.count)
    }

    /// True when two sorted samples, neither empty, hold one value between them: the test is then undefined.
    static func allEqual(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) -> Bool {
        Swift.min(a[0], b[0]) == Swift.max(a[a.count - 1], b[b.count - 1])
    }

    /// The test of `A2akN` for two samples of sizes `na` and `nb` that are not all equal.
    static func result(midrankStatistic raw: Double, referenceCount na: Int, currentCount nb: Int) -> Result {
        let sigma = twoSampleDeviation(na, nb)
        let k = 2.0
        let statistic = (raw - (k - 1)) / sigma
        return Result(statistic: statistic, pvalue: SignificanceTable.twoSamples.pvalue(statistic))
    }

    /// `A2akN`, eq. 7 of Scholz and Stephens, added one distinct value of the pooled sample at a time.
    struct MidrankSum {
        let n: Double
        let na: Double
        let nb: Double
        var sumA = 0.0
        var sumB = 0.0

        init(_ countA: Int, _ countB: Int) {
            n = Double(countA + countB)
            na = Double(countA)
            nb = Double(countB)
        }

        @inline(__always)
        mutating func add(_ run: TiedRuns.Run) {
            let tiesA = Double(run.a.count)
            let tiesB = Double(run.b.count)
            let ties = tiesA + tiesB
            let midrank = Double(run.a.lowerBound + run.b.lowerBound) + ties / 2
            let denominator = midrank * (n - midrank) - n * ties / 4
            let mA = Double(run.a.upperBound) - tiesA / 2
            let mB = Double(run.b.upperBound) - tiesB / 2
            let dA = n * mA - midrank * na
            let dB = n * mB - midrank * nb
            // One division a run, where there were three: the walk's slowest arithmetic.
            let weight = ties / (n * denominator)
            sumA += weight * dA * dA
            sumB += weight * dB * dB
        }

        var statistic: Double { (sumA / na + sumB / nb) * (n - 1) / n }
    }

    /// The last two sizes' standard deviation: `compare` asks for the same sizes once per
    /// column, and at 200,000 values the sum below takes half a millisecond.
    private static let lastDeviation = Mutex<(sizes: (Int, Int), value: Double)?>(nil)

    static func twoSampleDeviation(_ na: Int, _ nb: Int) -> Double {
        if let last = lastDeviation.withLock({ $0 }), last.sizes == (na, nb) { return last.value }
        let value = standardDeviation(sizes: [na, nb], total: na + nb)
        lastDeviation.withLock { $0 = ((na, nb), value) }
        return value
    }

    /// The standard deviation of `A2akN` under the null (Scholz and Stephens eq. 4).
    static func standardDeviation(sizes: [Int], total: Int) -> Double {
        let k = Double(sizes.count)
        let n = Double(total)
        let hH = sizes.reduce(0.0) { $0 + 1 / Double($1) }
        // h = sum_{i=1}^{N-1} 1/i; g = sum_{i=1}^{N-2} sum_{j=i+1}^{N-1} 1/((N-i) j), accumulated as scipy does.
        var cumulative = 0.0
        var g = 0.0
        var index = 0
        var denominator = total - 1
        while denominator > 1 {
            cumulative += 1 / Double(denominator)
            g += cumulative / Double(index + 2)
            index += 1
            denominator -= 1
        }
        let h = cumulative + 1
        let a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * hH
        let b = (2 * g - 4) * k * k + 8 * h * k + (2 * g - 14 * h - 4) * hH - 8 * h + 4 * g - 6
        let c = (6 * h + 2 * g - 2) * k * k + (4 * h - 4 * g + 6) * k + (2 * h - 6) * hH + 4 * h
        let d = (2 * h + 6) * k * k - 4 * h * k
        let variance = (a * n * n * n + b * n * n + c * n + d) / ((n - 1) * (n - 2) * (n - 3))
        return variance.squareRoot()
    }

    /// Table 2's critical values for a number of samples, and scipy's quadratic fit of `log(p)`
    /// to them: fixed for a given number of samples, so computed once.
    struct SignificanceTable: Sendable {
        static let levels = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001]
        static let twoSamples = SignificanceTable(samples: 2)

        let critical: [Double]
        let fit: [Double]

        init(samples: Int) {
            let m = Double(samples - 1)
            let b0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085]
            let b1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615]
            let b2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154]
            critical = (0..<7).map { b0[$0] + b1[$0] / m.squareRoot() + b2[$0] / m }
            fit = LeastSquares.polynomial(x: critical, y: Self.levels.map { log($0) }, degree: 2)
        }

        /// The interpolated p-value, clamped to the table's range as scipy does.
        func pvalue(_ statistic: Double) -> Double {
            if statistic.isNaN { return .nan }
            if statistic < critical.min()! { return Self.levels.max()! }
            if statistic > critical.max()! { return Self.levels.min()! }
            return exp(LeastSquares.evaluate(fit, at: statistic))
        }
    }
}
