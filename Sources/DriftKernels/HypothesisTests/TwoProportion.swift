#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two-proportion z-test for a boolean feature: is the share of `true` in the current window
/// the same as in the reference? Pooled variance, two-sided p-value.
public enum TwoProportion {
    public struct Result: Sendable, Hashable {
        public var statistic: Double
        public var pvalue: Double
        /// Current share minus reference share: the effect size.
        public var difference: Double
    }

    public static func test(referenceTrue x1: Int, referenceCount n1: Int, currentTrue x2: Int, currentCount n2: Int) -> Result {
        guard n1 > 0, n2 > 0 else { return Result(statistic: .nan, pvalue: .nan, difference: .nan) }
        let p1 = Double(x1) / Double(n1)
        let p2 = Double(x2) / Double(n2)
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let standardError = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        guard standardError > 0 else { return Result(statistic: 0, pvalue: 1, difference: p2 - p1) }
        let z = (p2 - p1) / standardError
        return Result(statistic: z, pvalue: erfc(abs(z) / 2.0.squareRoot()), difference: p2 - p1)
    }
}
