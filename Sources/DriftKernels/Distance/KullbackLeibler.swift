#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kullback-Leibler divergence of the current histogram from the reference,
/// `KL(current || reference) = sum_i c_i ln(c_i / r_i)` in nats.
///
/// Like PSI, each proportion is floored at ``PopulationStability/defaultFloor`` before the
/// sum so that a bin empty on one side gives a large finite value instead of infinity; the
/// floored proportions are not renormalised (the same convention as Evidently's `kl_div`).
public enum KullbackLeibler {
    public static func divergence(reference: [Int], current: [Int], floor: Double = PopulationStability.defaultFloor) -> Double {
        guard let totals = BinTotals(reference, current, measure: "KL") else { return .nan }
        var sum = 0.0
        for i in reference.indices {
            let r = Swift.max(Double(reference[i]) / totals.reference, floor)
            let c = Swift.max(Double(current[i]) / totals.current, floor)
            sum += c * log(c / r)
        }
        return sum
    }
}
