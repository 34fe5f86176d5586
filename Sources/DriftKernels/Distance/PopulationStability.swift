#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Population Stability Index between a reference and a current histogram.
///
/// `PSI = sum_i (c_i - r_i) * ln(c_i / r_i)` over bin proportions. An empty bin would make a
/// term infinite, so each proportion is floored at ``PopulationStability/defaultFloor``
/// (`1e-4`, the value Evidently uses): a bin empty on one side contributes a large but
/// finite amount. Usual reading: below 0.1 stable, 0.1 to 0.25 moderate shift, above 0.25 drift.
public enum PopulationStability {
    /// The smallest proportion a bin is given.
    public static let defaultFloor = 1e-4

    /// PSI from bin counts of the same edges.
    /// - Returns: `nan` when either side has no values.
    public static func score(reference: [Int], current: [Int], floor: Double = defaultFloor) -> Double {
        guard let totals = BinTotals(reference, current, measure: "PSI") else { return .nan }
        var psi = 0.0
        for i in reference.indices {
            let r = Swift.max(Double(reference[i]) / totals.reference, floor)
            let c = Swift.max(Double(current[i]) / totals.current, floor)
            psi += (c - r) * log(c / r)
        }
        return psi
    }
}
