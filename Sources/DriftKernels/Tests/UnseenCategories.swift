/// Are there more records in categories the reference never saw than its own long tail explains?
///
/// A reference of `m` records misses the rarest categories of a long tail (user agents, item
/// ids), so clean traffic brings some of them. Good-Turing estimates the probability that a
/// record's category is unseen as the share of categories seen exactly once; the number of
/// such records in a window of `n` is then about Poisson(`n` x that mass).
public enum UnseenCategories {
    /// Good-Turing's probability of a category the reference never saw, with one more
    /// singleton than counted so that a reference without any still allows some:
    /// `(singletons + 1) / (records + 1)`.
    public static func unseenMass(referenceCounts: [Int]) -> Double {
        let total = referenceCounts.reduce(0, +)
        let singletons = referenceCounts.lazy.filter { $0 == 1 }.count
        return Double(singletons + 1) / Double(total + 1)
    }

    /// `P(X >= unseen)` for `X ~ Poisson(count * mass)`, `scipy.stats.poisson.sf(unseen - 1, count * mass)`.
    /// For `unseen` above the mean the Poisson tail bounds the binomial one from above, so the
    /// p-value errs high (conservative).
    public static func pvalue(unseen: Int, count: Int, mass: Double) -> Double {
        guard unseen > 0 else { return 1 }
        let mean = Double(count) * mass
        guard mean > 0 else { return 0 }
        return Swift.min(1, IncompleteGamma.lowerRegularized(Double(unseen), mean))
    }
}
