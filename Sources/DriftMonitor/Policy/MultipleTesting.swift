/// How a window's per-feature p-values are corrected for testing many features at once.
///
/// With 50 features tested at 0.05, a clean window has a 92% chance of at least one p-value
/// under 0.05. Holm's correction (the default) bounds the chance that a clean window flags
/// any feature by ``DriftPolicy/significanceLevel``, however many features and however they
/// depend on each other.
public enum MultipleTesting: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each p-value is used as it is.
    case none
    /// Family-wise error: each p-value times the number of tests (at most 1).
    case bonferroni
    /// Family-wise error, Holm's step-down: the k-th smallest p-value times `m - k + 1`, made
    /// monotone from the smallest up. Never larger than Bonferroni's, valid under any dependence.
    /// statsmodels' `multipletests(method="holm")`.
    case holm
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
        case .holm:
            let order = tested.sorted { pvalues[$0]! < pvalues[$1]! }
            var running = 0.0
            for (rank, index) in order.enumerated() {
                running = max(running, min(1, pvalues[index]! * (m - Double(rank))))
                adjusted[index] = running
            }
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
