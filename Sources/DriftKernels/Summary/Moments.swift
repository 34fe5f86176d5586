/// Mergeable running moments of a numeric column (count, mean, central moments 2..4, min, max).
///
/// Batches are folded in with Chan et al.'s pairwise update, so `a.merging(b)` equals the
/// moments of both inputs together, whatever the split. NaN values are skipped.
///
/// Values beyond 2^200 in magnitude (about 1.6e60) would overflow the fourth powers, and
/// past 1e154 the squares: the sums are then kept in units of `2^scaleExponent` (a power of
/// two, so scaling is exact), and the standard deviation, skewness and kurtosis stay finite
/// for any finite values. Below that bound nothing is scaled.
public struct Moments: Sendable, Hashable, Codable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    /// Sums of squared, cubed and fourth-power deviations from the mean, each deviation
    /// divided by `2^scaleExponent`.
    public private(set) var m2: Double = 0
    public private(set) var m3: Double = 0
    public private(set) var m4: Double = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity
    /// The deviations' unit is `2^scaleExponent`; 0 unless the values are huge.
    public private(set) var scaleExponent = 0

    /// Values whose magnitude passes this are summed in scaled units.
    static let largestUnscaled = 0x1p200

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

    /// Population variance (`ddof = 0`, numpy's default); infinite when it is beyond doubles.
    public var variance: Double { count > 0 ? Self.scale(m2 / Double(count), by: 2 * scaleExponent) : .nan }
    /// Sample variance (`ddof = 1`).
    public var sampleVariance: Double { count > 1 ? Self.scale(m2 / Double(count - 1), by: 2 * scaleExponent) : .nan }
    public var standardDeviation: Double {
        count > 0 ? Self.scale((m2 / Double(count)).squareRoot(), by: scaleExponent) : .nan
    }
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
        let largest = Swift.max(abs(low), abs(high))
        let exponent = largest > Self.largestUnscaled && largest.isFinite ? Int(largest.exponent) : 0
        if exponent != 0 {
            // Only huge values pay a second pass for the sum, which may have overflowed.
            sum = 0
            for x in values where !x.isNaN { sum += Self.scale(x, by: -exponent) }
        }
        let scaledMean = sum / Double(n)
        var s2 = 0.0
        var s3 = 0.0
        var s4 = 0.0
        for x in values where !x.isNaN {
            let d = Self.scale(x, by: -exponent) - scaledMean
            let d2 = d * d
            s2 += d2
            s3 += d2 * d
            s4 += d2 * d2
        }
        var block = Moments()
        block.count = n
        block.mean = Self.scale(scaledMean, by: exponent)
        block.m2 = s2
        block.m3 = s3
        block.m4 = s4
        block.min = low
        block.max = high
        block.scaleExponent = exponent
        self = merging(block)
    }

    /// The moments of both inputs together.
    public func merging(_ other: Moments) -> Moments {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let exponent = Swift.max(scaleExponent, other.scaleExponent)
        let a = rescaled(to: exponent)
        let b = other.rescaled(to: exponent)
        let na = Double(count)
        let nb = Double(other.count)
        let n = na + nb
        // In the sums' unit: the means' difference would overflow where they are huge.
        let delta = Self.scale(b.mean, by: -exponent) - Self.scale(a.mean, by: -exponent)
        let delta2 = delta * delta
        var result = Moments()
        result.count = count + other.count
        result.scaleExponent = exponent
        result.mean = a.mean + Self.scale(delta * nb / n, by: exponent)
        result.m2 = a.m2 + b.m2 + delta2 * na * nb / n
        result.m3 = a.m3 + b.m3 + delta * delta2 * na * nb * (na - nb) / (n * n)
            + 3 * delta * (na * b.m2 - nb * a.m2) / n
        result.m4 = a.m4 + b.m4
            + delta2 * delta2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n)
            + 6 * delta2 * (na * na * b.m2 + nb * nb * a.m2) / (n * n)
            + 4 * delta * (na * b.m3 - nb * a.m3) / n
        result.min = Swift.min(min, other.min)
        result.max = Swift.max(max, other.max)
        return result
    }

    /// The same moments with the sums in units of `2^exponent` (at least the current one).
    private func rescaled(to exponent: Int) -> Moments {
        guard exponent != scaleExponent else { return self }
        var copy = self
        let step = scaleExponent - exponent
        copy.m2 = Self.scale(m2, by: 2 * step)
        copy.m3 = Self.scale(m3, by: 3 * step)
        copy.m4 = Self.scale(m4, by: 4 * step)
        copy.scaleExponent = exponent
        return copy
    }

    /// `x * 2^exponent`, exactly while the result stays normal.
    @inline(__always)
    static func scale(_ x: Double, by exponent: Int) -> Double {
        exponent == 0 ? x : Double(sign: .plus, exponent: exponent, significand: x)
    }
}

extension Moments {
    enum CodingKeys: String, CodingKey {
        case count, mean, m2, m3, m4, min, max
        case scaleExponent = "scale_exponent"
    }

    /// Profiles written before scaling existed have no `scale_exponent`: their sums are unscaled.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        mean = try container.decode(Double.self, forKey: .mean)
        m2 = try container.decode(Double.self, forKey: .m2)
        m3 = try container.decode(Double.self, forKey: .m3)
        m4 = try container.decode(Double.self, forKey: .m4)
        min = try container.decode(Double.self, forKey: .min)
        max = try container.decode(Double.self, forKey: .max)
        scaleExponent = try container.decodeIfPresent(Int.self, forKey: .scaleExponent) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(mean, forKey: .mean)
        try container.encode(m2, forKey: .m2)
        try container.encode(m3, forKey: .m3)
        try container.encode(m4, forKey: .m4)
        try container.encode(min, forKey: .min)
        try container.encode(max, forKey: .max)
        if scaleExponent != 0 { try container.encode(scaleExponent, forKey: .scaleExponent) }
    }
}
