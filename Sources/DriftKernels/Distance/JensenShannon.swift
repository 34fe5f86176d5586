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
        precondition(reference.count == current.count, "JS needs histograms over the same bins")
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        guard referenceTotal > 0, currentTotal > 0 else { return .nan }
        var divergence = 0.0
        for i in reference.indices {
            let p = Double(reference[i]) / referenceTotal
            let q = Double(current[i]) / currentTotal
            let m = (p + q) / 2
            if p > 0 { divergence += p * log(p / m) }
            if q > 0 { divergence += q * log(q / m) }
        }
        return (Swift.max(divergence, 0) / 2 / log(2.0)).squareRoot()
    }
}
