/// Everything the streaming window needs from a column, in one pass.
public struct ColumnSummary: Sendable {
    public var moments: Moments
    /// NaN values (not counted anywhere else).
    public var missing: Int
    /// Values outside the given range.
    public var outside: Int
    /// Values equal to the value before them (NaN skipped): a stuck input repeats itself.
    public var repeats: Int
    /// The last value that was not NaN, to carry into the next column of the stream.
    public var last: Double
}

extension BinLocator {
    /// One pass over `values`: bin counts and sums (added into `counts`/`sums`), the moments,
    /// the NaN count, how many values fall outside `range`, and how many repeat the value
    /// before them (`previous` is the one before the column: the last of the previous column).
    ///
    /// The moments come from power sums of `x - shift` (pass the reference mean): one pass
    /// instead of two, and exact to ~1e-12 relative while the window's mean stays within a few
    /// hundred reference standard deviations of `shift`.
    public func summarize(
        _ values: UnsafeBufferPointer<Double>, counts: UnsafeMutableBufferPointer<Int>, sums: UnsafeMutableBufferPointer<Double>,
        shift: Double, range: ClosedRange<Double>, previous: Double = .nan
    ) -> ColumnSummary {
        precondition(counts.count == edges.binCount && sums.count == edges.binCount, "one slot per bin")
        return withLookup(
            { $0.summarize(values, counts: counts, sums: sums, shift: shift, range: range, previous: previous) },
            { $0.summarize(values, counts: counts, sums: sums, shift: shift, range: range, previous: previous) },
            { $0.summarize(values, counts: counts, sums: sums, shift: shift, range: range, previous: previous) })
    }
}

extension BinLocator.Lookup {
    func summarize(
        _ values: UnsafeBufferPointer<Double>, counts: UnsafeMutableBufferPointer<Int>, sums: UnsafeMutableBufferPointer<Double>,
        shift: Double, range: ClosedRange<Double>, previous: Double
    ) -> ColumnSummary {
        var n = 0
        var s1 = 0.0
        var s2 = 0.0
        var s3 = 0.0
        var s4 = 0.0
        var low = Double.infinity
        var high = -Double.infinity
        var outside = 0
        var repeats = 0
        var last = previous
        let lower = range.lowerBound
        let upper = range.upperBound
        if let counts = counts.baseAddress, let sums = sums.baseAddress {
            for x in values {
                if x.isNaN { continue }
                let bin = bin(of: x)
                counts[bin] &+= 1
                sums[bin] += x
                n &+= 1
                let d = x - shift
                let d2 = d * d
                s1 += d
                s2 += d2
                s3 += d2 * d
                s4 += d2 * d2
                low = x < low ? x : low
                high = x > high ? x : high
                outside &+= (x < lower || x > upper) ? 1 : 0
                repeats &+= x == last ? 1 : 0
                last = x
            }
        }
        let moments = Moments(count: n, shift: shift, powerSums: (s1, s2, s3, s4), min: low, max: high)
        return ColumnSummary(moments: moments, missing: values.count - n, outside: outside, repeats: repeats, last: last)
    }
}
