extension DriftPolicy {
    /// A feature's level and the effect size that decided it.
    public struct Verdict: Sendable, Hashable {
        public var level: FeatureDrift.Level
        public var method: FeatureDrift.Method
        public var warnThreshold: Double
        public var driftThreshold: Double
    }

    /// The effect sizes that can decide, in the order ties are broken, with their thresholds.
    public var effectThresholds: [(method: FeatureDrift.Method, warn: Double, drift: Double)] {
        [
            (.psi, warnThreshold, driftThreshold),
            (.wasserstein, wassersteinWarnThreshold, wassersteinDriftThreshold),
            (.jensenShannon, jensenShannonWarnThreshold, jensenShannonDriftThreshold),
        ]
    }

    /// The default decision rule, which stays sane at any window size:
    ///
    /// 1. Each effect size (PSI, normalised Wasserstein, Jensen-Shannon) gets a level from its
    ///    own thresholds; the feature takes the highest.
    /// 2. The feature's test is supporting evidence: when its p-value is at or above
    ///    ``significanceLevel`` the level drops to ok, so small windows do not alarm on
    ///    sampling noise (a 100-row clean window has PSI above 0.2 one time in a hundred).
    ///    Categories the reference never saw count as significant on their own.
    ///
    /// A p-value alone never flags: at 100k rows KS rejects a 0.02-sigma shift nobody cares
    /// about, while every effect size stays far below its warning threshold.
    public func verdict(scores: [FeatureDrift.Score], pvalue: Double?, unseenCategories: Bool = false) -> Verdict {
        var best = Verdict(level: .ok, method: .psi, warnThreshold: warnThreshold, driftThreshold: driftThreshold)
        for (method, warn, drift) in effectThresholds {
            guard let score = scores.first(where: { $0.method == method })?.value, !score.isNaN else { continue }
            let level: FeatureDrift.Level = score >= drift ? .drift : (score >= warn ? .warning : .ok)
            if level > best.level {
                best = Verdict(level: level, method: method, warnThreshold: warn, driftThreshold: drift)
            }
        }
        if let pvalue, !pvalue.isNaN, pvalue >= significanceLevel, !unseenCategories {
            best.level = .ok
        }
        return best
    }
}
