/// Hellinger distance between two histograms over the same bins, in `[0, 1]`:
/// `sqrt(1 - sum_i sqrt(p_i q_i))`, equal to `||sqrt(p) - sqrt(q)||_2 / sqrt(2)`.
public enum Hellinger {
    public static func distance(reference: [Int], current: [Int]) -> Double {
        guard let totals = BinTotals(reference, current, measure: "Hellinger") else { return .nan }
        var sum = 0.0
        for i in reference.indices {
            let p = Double(reference[i]) / totals.reference
            let q = Double(current[i]) / totals.current
            let d = p.squareRoot() - q.squareRoot()
            sum += d * d
        }
        return (sum / 2).squareRoot()
    }
}
