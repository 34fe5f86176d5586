/// How a window's per-feature p-values are corrected for testing many features at once.
///
/// With 50 features tested at 0.05, a clean window has a 92% chance of at least one p-value
/// under 0.05; the effect-size thresholds already guard against that, and a correction makes
/// the p-value guard match the number of features too.
public enum MultipleTesting: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each p-value is used as it is.
    case none
    /// Family-wise error: each p-value times the number of tests (at most 1).
    case bonferroni
    /// False discovery rate, Benjamini-Hochberg step-up: scipy's `false_discovery_control(method="bh")`.
    case benjaminiHochberg = "benjamini_hochberg"

    /// The corrected p-values, in the order given; nil entries (features without a test) stay
    /// nil and do not count as tests.
    public func adjust(_ pvalues: [Double?]) -> [Double?] {
        let tested = pvalues.indices.filter { pvalues[$0].map { !$0.isNaN } ?? false }
        let m = Double(tested.count)
        guard m > 1, self != .none else { return pvalues }
        var adjusted = pvalues
        switch self {
        case .none:
            break
        case .bonferroni:
            for i in tested { adjusted[i] = min(1, pvalues[i]! * m) }
        case .benjaminiHochberg:
            // p(k) * m / k for the k-th smallest, made monotone from the largest down.
            let order = tested.sorted { pvalues[$0]! < pvalues[$1]! }
            var running = 1.0
            for rank in stride(from: order.count, through: 1, by: -1) {
                let index = order[rank - 1]
                running = min(running, pvalues[index]! * m / Double(rank))
                adjusted[index] = running
            }
        }
        return adjusted
    }
}
