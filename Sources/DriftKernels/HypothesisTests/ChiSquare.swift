/// Pearson's chi-square tests of category counts: the goodness of fit of current counts to
/// reference frequencies (``test(reference:current:)``), and the homogeneity of the two
/// samples (``homogeneityTest(reference:current:minimumExpected:)``), which the monitor uses.
public enum ChiSquare {
    public struct Result: Sendable, Hashable {
        public var statistic: Double
        public var pvalue: Double
        public var degreesOfFreedom: Int
    }

    /// The goodness of fit, as `scipy.stats.chisquare(f_obs, f_exp)` with `f_exp` the reference
    /// shares scaled to the current total.
    /// - Parameters:
    ///   - reference: reference counts per category.
    ///   - current: current counts per category, same order; a category absent from the
    ///     reference makes the statistic infinite (p-value 0), as in scipy.
    public static func test(reference: [Int], current: [Int]) -> Result {
        precondition(reference.count == current.count)
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        let degrees = reference.count - 1
        guard referenceTotal > 0, currentTotal > 0, degrees > 0 else {
            return Result(statistic: .nan, pvalue: .nan, degreesOfFreedom: Swift.max(degrees, 0))
        }
        var statistic = 0.0
        for i in reference.indices {
            let expected = Double(reference[i]) / referenceTotal * currentTotal
            let difference = Double(current[i]) - expected
            if expected == 0 {
                if current[i] != 0 { statistic = .infinity }
                continue
            }
            statistic += difference * difference / expected
        }
        let pvalue = statistic.isInfinite ? 0 : IncompleteGamma.upperRegularized(Double(degrees) / 2, statistic / 2)
        return Result(statistic: statistic, pvalue: pvalue, degreesOfFreedom: degrees)
    }

    /// Pearson's chi-square test of homogeneity: are the reference and current counts drawn
    /// from one distribution? `scipy.stats.chi2_contingency([reference, current], correction=False)`
    /// with empty categories left out. Unlike the goodness of fit, it counts the reference's
    /// own sampling noise: with a window half the reference's size, the goodness of fit
    /// over 300 categories reads clean traffic as drift (its statistic is 1.5 times too large).
    /// Pass every category either sample has: a category the reference never drew (count 0)
    /// belongs in the table as much as one it drew once.
    ///
    /// Categories whose smaller expected cell is under `minimumExpected` are first pooled
    /// (Cochran's rule; the chi-square approximation fails below it, making a single record in
    /// a rare category look like drift in a small window) into one bin, which joins the
    /// smallest other bin if it is still short. The expected cells come from the two samples'
    /// totals per category, on which the test conditions, so the pooling keeps its level.
    /// With fewer than two bins left there is nothing to test: statistic 0, p-value 1.
    public static func homogeneityTest(reference: [Int], current: [Int], minimumExpected: Double = 5) -> Result {
        precondition(reference.count == current.count)
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        guard referenceTotal > 0, currentTotal > 0 else { return Result(statistic: 0, pvalue: 1, degreesOfFreedom: 0) }
        let total = referenceTotal + currentTotal
        let smallerShare = Swift.min(referenceTotal, currentTotal) / total
        func short(_ column: Int) -> Bool { Double(column) * smallerShare < minimumExpected }
        // Pool by column totals, then test.
        var columns: [(reference: Int, current: Int)] = []
        var pooled = (reference: 0, current: 0)
        for (r, c) in zip(reference, current) where r + c > 0 {
            if short(r + c) {
                pooled.reference += r
                pooled.current += c
            } else {
                columns.append((r, c))
            }
        }
        if pooled.reference + pooled.current > 0 {
            if !short(pooled.reference + pooled.current) || columns.isEmpty {
                columns.append(pooled)
            } else {
                let smallest = columns.indices.min { columns[$0].reference + columns[$0].current < columns[$1].reference + columns[$1].current }!
                columns[smallest].reference += pooled.reference
                columns[smallest].current += pooled.current
            }
        }
        guard columns.count >= 2 else { return Result(statistic: 0, pvalue: 1, degreesOfFreedom: 0) }
        var statistic = 0.0
        for (r, c) in columns {
            let column = Double(r + c)
            let expectedReference = column * referenceTotal / total
            let expectedCurrent = column * currentTotal / total
            let dr = Double(r) - expectedReference
            let dc = Double(c) - expectedCurrent
            statistic += dr * dr / expectedReference + dc * dc / expectedCurrent
        }
        let degrees = columns.count - 1
        return Result(
            statistic: statistic, pvalue: IncompleteGamma.upperRegularized(Double(degrees) / 2, statistic / 2), degreesOfFreedom: degrees)
    }
}
