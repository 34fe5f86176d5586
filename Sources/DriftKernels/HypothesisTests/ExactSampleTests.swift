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
        let na = Double(a.count)
        let nb = Double(b.count)
        var d = 0.0
        var distance = 0.0
        var previous = Swift.min(a[0], b[0])
        var midranks = AndersonDarling.MidrankSum(a.count, b.count)
        var ranks = CramerVonMises.RankSum()
        TiedRuns.forEach(a, b) { run in
            // Wasserstein: the gap between the CDFs below this value, over the step up to it.
            distance += abs(Double(run.a.lowerBound) / na - Double(run.b.lowerBound) / nb) * (run.value - previous)
            previous = run.value
            // KS stops its own walk when a sample runs out: the gap only closes after that.
            d = Swift.max(d, abs(Double(run.a.upperBound) / na - Double(run.b.upperBound) / nb))
            midranks.add(run)
            ranks.add(run)
        }
        ks = KolmogorovSmirnov.result(statistic: d, referenceCount: a.count, currentCount: b.count)
        wasserstein = distance
        if Swift.min(a[0], b[0]) == Swift.max(a[a.count - 1], b[b.count - 1]) {
            andersonDarling = AndersonDarling.Result(statistic: .nan, pvalue: .nan)
        } else {
            andersonDarling = AndersonDarling.result(midrankStatistic: midranks.statistic, referenceCount: a.count, currentCount: b.count)
        }
        cramerVonMises = CramerVonMises.result(rankStatistic: ranks.statistic(a.count, b.count), nx: a.count, ny: b.count)
    }
}
