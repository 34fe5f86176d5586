/// The four tests `compare` runs on raw samples (Kolmogorov-Smirnov, Wasserstein,
/// Anderson-Darling, Cramér-von Mises) from one walk over the distinct values of the two
/// sorted samples.
///
/// Each test on its own walks them again, and the walk (a compare per value that the branch
/// predictor cannot guess) costs more than the arithmetic of all four. The results equal the
/// four tests' own to the bit.
public struct ExactSampleTests: Sendable, Hashable {
    public var ks: KolmogorovSmirnov.Result
    public var wasserstein: Double
    public var andersonDarling: AndersonDarling.Result
    public var cramerVonMises: CramerVonMises.Result

    /// - Parameters: both samples sorted ascending, without NaN.
    public init(sortedReference a: UnsafeBufferPointer<Double>, sortedCurrent b: UnsafeBufferPointer<Double>) {
        guard a.count > 1, b.count > 1 else {
            // What each test makes of one value or none.
            ks = KolmogorovSmirnov.test(sortedReference: a, sortedCurrent: b)
            wasserstein = Wasserstein.distance(sortedReference: a, sortedCurrent: b)
            andersonDarling = AndersonDarling.test(sortedReference: a, sortedCurrent: b)
            cramerVonMises = CramerVonMises.test(sortedReference: a, sortedCurrent: b)
            return
        }
        var gap = KolmogorovSmirnov.GapMaximum(a.count, b.count)
        var area = Wasserstein.AreaBetween(a, b)
        var midranks = AndersonDarling.MidrankSum(a.count, b.count)
        var ranks = CramerVonMises.RankSum()
        TiedRuns.forEach(a, b) { run in
            gap.add(run)
            area.add(run)
            midranks.add(run)
            ranks.add(run)
        }
        ks = KolmogorovSmirnov.result(statistic: gap.statistic, referenceCount: a.count, currentCount: b.count)
        wasserstein = area.distance
        if AndersonDarling.allEqual(a, b) {
            andersonDarling = AndersonDarling.Result(statistic: .nan, pvalue: .nan)
        } else {
            andersonDarling = AndersonDarling.result(midrankStatistic: midranks.statistic, referenceCount: a.count, currentCount: b.count)
        }
        cramerVonMises = CramerVonMises.result(rankStatistic: ranks.statistic(a.count, b.count), nx: a.count, ny: b.count)
    }
}
