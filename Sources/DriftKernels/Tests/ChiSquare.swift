/// Pearson's chi-square goodness of fit of current category counts against reference
/// frequencies, as `scipy.stats.chisquare(f_obs, f_exp)` with `f_exp` the reference shares
/// scaled to the current total.
public enum ChiSquare {
    public struct Result: Sendable, Hashable {
        public var statistic: Double
        public var pvalue: Double
        public var degreesOfFreedom: Int
    }

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
}
