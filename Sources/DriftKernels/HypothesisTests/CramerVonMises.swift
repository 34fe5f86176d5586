#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two-sample Cramér-von Mises test, as `scipy.stats.cramervonmises_2samp(reference, current)`.
///
/// Weighs the whole CDF gap rather than its maximum, so it reacts to spread changes KS misses.
public enum CramerVonMises {
    public struct Result: Sendable, Hashable {
        /// `T = U / (n m (n + m)) - (4 n m - 1) / (6 (n + m))`.
        public var statistic: Double
        public var pvalue: Double
    }

    /// Largest sample size for which `.auto` uses the exact distribution (scipy's rule).
    public static let largestExactSample = 20

    /// - Parameters: both samples sorted ascending, without NaN; ties get midranks.
    public static func test(sortedReference a: UnsafeBufferPointer<Double>, sortedCurrent b: UnsafeBufferPointer<Double>) -> Result {
        let nx = a.count
        let ny = b.count
        guard nx > 1, ny > 1 else { return Result(statistic: .nan, pvalue: .nan) }
        var sum = RankSum()
        TiedRuns.forEach(a, b) { sum.add($0) }
        return result(rankStatistic: sum.statistic(nx, ny), nx: nx, ny: ny)
    }

    /// The test of `U` for samples of sizes `nx` and `ny`, both above 1.
    static func result(rankStatistic u: Double, nx: Int, ny: Int) -> Result {
        let k = Double(nx) * Double(ny)
        let total = Double(nx + ny)
        let t = u / (k * total) - (4 * k - 1) / (6 * total)
        let p: Double
        if Swift.max(nx, ny) <= largestExactSample {
            p = exactPValue(u, nx, ny)
        } else {
            p = asymptoticPValue(t, nx: nx, ny: ny)
        }
        return Result(statistic: t, pvalue: p)
    }

    /// `U = n sum (r_i - i)^2 + m sum (s_j - j)^2` with midranks `r`, `s` in the pooled sample,
    /// added one distinct value at a time.
    struct RankSum {
        var sumA = 0.0
        var sumB = 0.0

        @inline(__always)
        mutating func add(_ run: TiedRuns.Run) {
            // Midrank of the tied run in the pooled sample.
            let rank = Double(run.a.lowerBound + run.b.lowerBound + run.a.upperBound + run.b.upperBound + 1) / 2
            sumA += Self.squaredDistances(from: rank - Double(run.a.lowerBound + 1), count: run.a.count)
            sumB += Self.squaredDistances(from: rank - Double(run.b.lowerBound + 1), count: run.b.count)
        }

        /// `sum (d - t)^2` for `t` in `0..<count`, in closed form: which sample a value came from
        /// is a branch the predictor cannot guess, and this has none. Exactly `d * d` for one
        /// value and 0 for none, the common runs.
        @inline(__always)
        static func squaredDistances(from d: Double, count: Int) -> Double {
            let k = Double(count)
            return k * d * d - d * (k * (k - 1)) + (k - 1) * k * (2 * k - 1) / 6
        }

        func statistic(_ nx: Int, _ ny: Int) -> Double { Double(nx) * sumA + Double(ny) * sumB }
    }

    /// Anderson (1962): the statistic normalised by its null mean and variance, read off the
    /// limiting one-sample distribution.
    static func asymptoticPValue(_ t: Double, nx: Int, ny: Int) -> Double {
        let total = Double(nx + ny)
        let k = Double(nx) * Double(ny)
        let mean = (1 + 1 / total) / 6
        var variance = (total + 1) * (4 * k * total - 3 * (Double(nx) * Double(nx) + Double(ny) * Double(ny)) - 2 * k)
        variance = variance / (45 * total * total * 4 * k)
        let normalised = 1.0 / 6 + (t - mean) / (45 * variance).squareRoot()
        guard normalised >= 0.003 else { return 1 }
        return Swift.max(1 - limitingDistribution(normalised), 0)
    }

    /// CDF of the one-sample statistic for infinite n (Csörgő and Faraway 1996, eq. 1.2),
    /// summed until a term falls below 1e-7, as scipy does.
    static func limitingDistribution(_ x: Double) -> Double {
        var total = 0.0
        var k = 0.0
        while true {
            let u = exp(lgamma(k + 0.5) - lgamma(k + 1)) / (pow(Double.pi, 1.5) * x.squareRoot())
            let y = 4 * k + 1
            let q = y * y / (16 * x)
            let term = u * y.squareRoot() * exp(-q) * ModifiedBessel.secondKind(order: 0.25, q)
            total += term
            if abs(term) < 1e-7 { break }
            k += 1
        }
        return total
    }

    /// Exact `P(U >= u)` by the frequency-table recursion of Xiao, Gordon and Yakovlev (2006):
    /// for every lattice point, the distribution of the partial sum of squared gaps.
    static func exactPValue(_ u: Double, _ m: Int, _ n: Int) -> Double {
        let g = KolmogorovSmirnov.greatestCommonDivisor(m, n)
        let lcm = m / g * n
        let a = lcm / m
        let b = lcm / n
        let mn = m * n
        // U in units of the lattice: zeta = lcm^2 (m + n) (6U - mn(4mn - 1)) / (6 (mn)^2), floored.
        // U is a half-integer sum with ties, so this is computed in doubles as scipy does.
        let numerator = Double(lcm * lcm * (m + n)) * (6 * u - Double(mn * (4 * mn - 1)))
        let zeta = Int((numerator / Double(6 * mn * mn)).rounded(.down))
        var combinations = 1
        for i in 0..<m { combinations = combinations * (n + m - i) / (i + 1) }
        // tables[v]: value -> number of paths reaching (u, v) with that partial sum.
        var tables: [[Int: Int]] = [[0: 1]] + Array(repeating: [:], count: m)
        for step in 0...n {
            var next: [[Int: Int]] = []
            next.reserveCapacity(m + 1)
            var running: [Int: Int] = [:]
            for (v, table) in tables.enumerated() {
                running.merge(table, uniquingKeysWith: +)
                let gap = a * v - b * step
                var shifted: [Int: Int] = [:]
                shifted.reserveCapacity(running.count)
                for (value, frequency) in running { shifted[value + gap * gap] = frequency }
                running = shifted
                next.append(running)
            }
            tables = next
        }
        var atLeast = 0
        for (value, frequency) in tables[m] where value >= zeta { atLeast += frequency }
        return Double(atLeast) / Double(combinations)
    }
}
