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
        var totals = ColumnSummary.Totals(shift: shift, range: range, previous: previous)
        guard let counts = counts.baseAddress, let sums = sums.baseAddress else { return totals.summary(of: values.count) }
        // Three loops per block, each lean enough to keep its state in registers: the totals
        // (no stores), the bins (no stores but to the block's bins), the counts and sums.
        forEachBlock(values) { block, bins in
            guard let start = block.baseAddress else { return }
            if !totals.addPairs(block) { totals.addEach(block) }
            locate(start, count: block.count, into: bins)
            _ = Self.scatter(start, bins: bins, count: block.count, counts: counts, sums: sums)
        }
        return totals.summary(of: values.count)
    }
}
