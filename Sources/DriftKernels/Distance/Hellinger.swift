/// Hellinger distance between two histograms over the same bins, in `[0, 1]`:
/// `sqrt(1 - sum_i sqrt(p_i q_i))`, equal to `||sqrt(p) - sqrt(q)||_2 / sqrt(2)`.
public enum Hellinger {
    public static func distance(reference: [Int], current: [Int]) -> Double {
        precondition(reference.count == current.count, "Hellinger needs histograms over the same bins")
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        guard referenceTotal > 0, currentTotal > 0 else { return .nan }
        var sum = 0.0
        for i in reference.indices {
            let p = Double(reference[i]) / referenceTotal
            let q = Double(current[i]) / currentTotal
            let d = p.squareRoot() - q.squareRoot()
            sum += d * d
        }
        return (sum / 2).squareRoot()
    }
}
