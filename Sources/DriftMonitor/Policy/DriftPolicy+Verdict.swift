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

    /// The default decision rule, which stays calibrated at any window size:
    ///
    /// 1. Each effect size (PSI, normalised Wasserstein, Jensen-Shannon) gets a level from its
    ///    own thresholds; the feature takes the highest.
    /// 2. The feature's test is the evidence: when its p-value (corrected across the window's
    ///    features, see ``judge(_:records:)``) is at or above ``significanceLevel`` the level
    ///    drops to ok, so small windows do not alarm on sampling noise. Categories the
    ///    reference never saw are evidence through the chi-square, like any other.
    ///
    /// A p-value alone never flags: at 100k rows KS rejects a 0.02-sigma shift nobody cares
    /// about, while every effect size stays far below its warning threshold.
    public func verdict(scores: [FeatureDrift.Score], pvalue: Double?) -> Verdict {
        var best = Verdict(level: .ok, method: .psi, warnThreshold: warnThreshold, driftThreshold: driftThreshold)
        for (method, warn, drift) in effectThresholds {
            guard let score = scores.first(where: { $0.method == method })?.value, !score.isNaN else { continue }
            let level: FeatureDrift.Level = score >= drift ? .drift : (score >= warn ? .warning : .ok)
            if level > best.level {
                best = Verdict(level: level, method: method, warnThreshold: warn, driftThreshold: drift)
            }
        }
        if let pvalue, !pvalue.isNaN, pvalue >= significanceLevel {
            best.level = .ok
        }
        return best
    }

    /// Decides every feature of a window together: corrects their uncorrected p-values with
    /// ``correction``, then takes each verdict. A window of fewer than ``judgedWindowRecords``
    /// records is too small to judge: every feature stays ok.
    /// - Returns: whether the window was judged.
    @discardableResult
    public func judge(_ features: inout [FeatureDrift], records: Int) -> Bool {
        let adjusted = correction.adjust(features.map(\.uncorrectedPValue))
        let judged = records >= judgedWindowRecords
        for i in features.indices {
            features[i].pvalue = adjusted[i]
            if features[i].kind == .vector {
                // Its thresholds come calibrated from the reference, for this window's size.
                let score = features[i].score(.mmd)?.value ?? .nan
                let level: FeatureDrift.Level =
                    score >= features[i].driftThreshold ? .drift : (score >= features[i].warnThreshold ? .warning : .ok)
                features[i].level = judged ? level : .ok
                continue
            }
            let verdict = verdict(scores: features[i].scores, pvalue: adjusted[i])
            features[i].level = judged ? verdict.level : .ok
            features[i].decidingMethod = verdict.method
            features[i].warnThreshold = verdict.warnThreshold
            features[i].driftThreshold = verdict.driftThreshold
        }
        return judged
    }
}
