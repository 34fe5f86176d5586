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

    /// The test with categories pooled until each expects at least `minimumExpected` current
    /// records (Cochran's rule; the chi-square approximation fails below it, making a single
    /// record in a rare category look like drift in a small window). Categories expecting
    /// fewer are pooled into one bin; if that bin still expects fewer, it joins the smallest
    /// other bin. Unpooled when every category expects enough: then exactly ``test(reference:current:)``.
    /// With fewer than two bins left there is nothing to test: statistic 0, p-value 1.
    public static func pooledTest(reference: [Int], current: [Int], minimumExpected: Double = 5) -> Result {
        precondition(reference.count == current.count)
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        guard referenceTotal > 0, currentTotal > 0 else { return test(reference: reference, current: current) }
        let scale = currentTotal / referenceTotal
        guard reference.contains(where: { Double($0) * scale < minimumExpected }) else {
            return test(reference: reference, current: current)
        }
        var pooledReference: [Int] = []
        var pooledCurrent: [Int] = []
        var smallReference = 0
        var smallCurrent = 0
        for i in reference.indices {
            if Double(reference[i]) * scale < minimumExpected {
                smallReference += reference[i]
                smallCurrent += current[i]
            } else {
                pooledReference.append(reference[i])
                pooledCurrent.append(current[i])
            }
        }
        if smallReference > 0 {
            if Double(smallReference) * scale >= minimumExpected || pooledReference.isEmpty {
                pooledReference.append(smallReference)
                pooledCurrent.append(smallCurrent)
            } else {
                let smallest = pooledReference.indices.min { pooledReference[$0] < pooledReference[$1] }!
                pooledReference[smallest] += smallReference
                pooledCurrent[smallest] += smallCurrent
            }
        }
        guard pooledReference.count >= 2 else { return Result(statistic: 0, pvalue: 1, degreesOfFreedom: 0) }
        return test(reference: pooledReference, current: pooledCurrent)
    }
}
