/// Mergeable running moments of a numeric column (count, mean, central moments 2..4, min, max).
///
/// Batches are folded in with Chan et al.'s pairwise update, so `a.merging(b)` equals the
/// moments of both inputs together, whatever the split. NaN values are skipped.
public struct Moments: Sendable, Hashable, Codable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean.
    public private(set) var m2: Double = 0
    public private(set) var m3: Double = 0
    public private(set) var m4: Double = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity

    public init() {}

    /// Moments from power sums of `d = x - shift` over `count` values: `S_k = sum d^k`.
    public init(count: Int, shift: Double, powerSums s: (Double, Double, Double, Double), min: Double, max: Double) {
        guard count > 0 else { return }
        let n = Double(count)
        let a = s.0 / n  // mean of d
        let a2 = a * a
        self.count = count
        mean = shift + a
        m2 = Swift.max(s.1 - n * a2, 0)
        m3 = s.2 - 3 * a * s.1 + 2 * n * a2 * a
        m4 = s.3 - 4 * a * s.2 + 6 * a2 * s.1 - 3 * n * a2 * a2
        self.min = min
        self.max = max
    }

    /// Population variance (`ddof = 0`, numpy's default).
    public var variance: Double { count > 0 ? m2 / Double(count) : .nan }
    /// Sample variance (`ddof = 1`).
    public var sampleVariance: Double { count > 1 ? m2 / Double(count - 1) : .nan }
    public var standardDeviation: Double { variance.squareRoot() }
    /// Skewness, `scipy.stats.skew(bias=True)`.
    public var skewness: Double {
        guard count > 0, m2 > 0 else { return .nan }
        let n = Double(count)
        return (m3 / n) / ((m2 / n) * (m2 / n).squareRoot())
    }
    /// Excess kurtosis, `scipy.stats.kurtosis(fisher=True, bias=True)`.
    public var kurtosis: Double {
        guard count > 0, m2 > 0 else { return .nan }
        let n = Double(count)
        return (m4 / n) / ((m2 / n) * (m2 / n)) - 3
    }

    /// Folds in the non-NaN values of `values`: two passes over the block, then one merge.
    public mutating func add(_ values: UnsafeBufferPointer<Double>) {
        var block = Moments()
        var sum = 0.0
        var n = 0
        var low = Double.infinity
        var high = -Double.infinity
        for x in values where !x.isNaN {
            sum += x
            n += 1
            low = Swift.min(low, x)
            high = Swift.max(high, x)
        }
        guard n > 0 else { return }
        let mean = sum / Double(n)
        var s2 = 0.0
        var s3 = 0.0
        var s4 = 0.0
        for x in values where !x.isNaN {
            let d = x - mean
            let d2 = d * d
            s2 += d2
            s3 += d2 * d
            s4 += d2 * d2
        }
        block.count = n
        block.mean = mean
        block.m2 = s2
        block.m3 = s3
        block.m4 = s4
        block.min = low
        block.max = high
        self = merging(block)
    }

    /// The moments of both inputs together.
    public func merging(_ other: Moments) -> Moments {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let na = Double(count)
        let nb = Double(other.count)
        let n = na + nb
        let delta = other.mean - mean
        let delta2 = delta * delta
        var result = Moments()
        result.count = count + other.count
        result.mean = mean + delta * nb / n
        result.m2 = m2 + other.m2 + delta2 * na * nb / n
        result.m3 = m3 + other.m3 + delta * delta2 * na * nb * (na - nb) / (n * n)
            + 3 * delta * (na * other.m2 - nb * m2) / n
        result.m4 = m4 + other.m4
            + delta2 * delta2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n)
            + 6 * delta2 * (na * na * other.m2 + nb * nb * m2) / (n * n)
            + 4 * delta * (na * other.m3 - nb * m3) / n
        result.min = Swift.min(min, other.min)
        result.max = Swift.max(max, other.max)
        return result
    }
}
