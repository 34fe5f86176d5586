#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Jensen-Shannon distance between two histograms, in base 2 so that it lies in `[0, 1]`.
///
/// Equal to `scipy.spatial.distance.jensenshannon(p, q, base=2)` on the bin counts.
public enum JensenShannon {
    public static func distance(reference: [Int], current: [Int]) -> Double {
        guard let totals = BinTotals(reference, current, measure: "JS") else { return .nan }
        var divergence = 0.0
        for i in reference.indices {
            let p = Double(reference[i]) / totals.reference
            let q = Double(current[i]) / totals.current
            let m = (p + q) / 2
            if p > 0 { divergence += p * log(p / m) }
            if q > 0 { divergence += q * log(q / m) }
        }
        return (Swift.max(divergence, 0) / 2 / log(2.0)).squareRoot()
    }
}
