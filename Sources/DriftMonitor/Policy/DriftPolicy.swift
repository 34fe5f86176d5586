/// When a model counts as drifted, and when to ask for retraining.
///
/// A feature's level is decided on effect sizes, with a p-value as supporting evidence (see
/// ``DriftPolicy/verdict(scores:pvalue:)``): PSI from ``warnThreshold`` /
/// ``driftThreshold``, Wasserstein normalised by the reference standard deviation, and
/// Jensen-Shannon distance, each against its own pair of thresholds.
/// A window *breaches* when at least one feature drifted and the drifted share reaches
/// ``datasetDriftShare``, or when a data-quality measure exceeds its limit in ``quality``.
///
/// The defaults are calibrated: the features' p-values are corrected together (Holm) and
/// compared with 0.005, so a window of clean traffic flags a feature less than 1% of the time
/// whatever its size and number of features. The bound is 0.5% where the tests' p-values are
/// exact; half the 1% goal is left for their approximations at 30-50 records (asymptotic KS,
/// chi-square, the z-test). `make bench-calibration` measures it.
public struct DriftPolicy: Sendable, Hashable, Codable {
    /// PSI thresholds (the industry's 0.1 / 0.25 bands).
    public var warnThreshold: Double = 0.1
    public var driftThreshold: Double = 0.25
    /// Wasserstein-1 in reference standard deviations: a mean shift of 0.3 / 0.5 sigma.
    public var wassersteinWarnThreshold: Double = 0.3
    public var wassersteinDriftThreshold: Double = 0.5
    /// Jensen-Shannon distance (base 2) on the PSI bins: what a 0.3 / 0.5 sigma shift gives.
    public var jensenShannonWarnThreshold: Double = 0.12
    public var jensenShannonDriftThreshold: Double = 0.2
    /// A feature is only flagged when its test (KS, chi-square) rejects at this level, after
    /// ``correction``: the chance that a clean window flags any feature. 1 turns the check off.
    public var significanceLevel: Double = 0.005
    /// How the features' p-values are corrected for being tested together before they are
    /// compared with ``significanceLevel``.
    public var correction: MultipleTesting = .holm
    /// Windows with fewer records are reported as too small to judge: no feature is flagged
    /// and the state machine does not move. nil: ``judgedWindowRecords``' default.
    public var minimumWindowRecords: Int?
    /// Consecutive breached windows before drift is declared and retraining requested.
    public var consecutiveWindows: Int = 2
    /// Consecutive clean windows before a drifted model is declared resolved.
    public var resolveAfterWindows: Int = 2
    /// While drift persists, ask for retraining again after this many breached windows (0 = never).
    public var cooldownWindows: Int = 0
    /// Share of features that must drift for a window to breach (0 = any one feature).
    public var datasetDriftShare: Double = 0
    /// PSI bins from reference quantiles.
    public var bins: Int = 10
    /// Data-quality limits that breach a window too (none by default).
    public var quality = QualityPolicy()
    /// When a model's realised (or estimated) performance counts as degraded.
    public var performance = PerformancePolicy()

    public init() {}

    /// The fewest records a window needs to be judged: ``minimumWindowRecords``, or by default
    /// three per PSI bin (30 with 10 bins). Below that most bins are empty and PSI, JS and the
    /// binned tests measure the sampling noise of a handful of records.
    public var judgedWindowRecords: Int { minimumWindowRecords ?? 3 * bins }

    /// Checks the settings make sense together.
    public func validate() throws(PolicyError) {
        for (name, warn, drift) in [
            ("", warnThreshold, driftThreshold),
            ("wasserstein_", wassersteinWarnThreshold, wassersteinDriftThreshold),
            ("jensenshannon_", jensenShannonWarnThreshold, jensenShannonDriftThreshold),
        ] where !(warn > 0 && drift >= warn) {
            throw .invalid("thresholds need 0 < \(name)warn_threshold (\(warn)) <= \(name)drift_threshold (\(drift))")
        }
        guard significanceLevel > 0, significanceLevel <= 1 else { throw .invalid("significance_level must be within (0, 1]") }
        if let minimumWindowRecords, minimumWindowRecords < 1 { throw .invalid("minimum_window_records must be at least 1") }
        guard consecutiveWindows >= 1 else { throw .invalid("consecutive_windows must be at least 1") }
        guard resolveAfterWindows >= 1 else { throw .invalid("resolve_after_windows must be at least 1") }
        guard cooldownWindows >= 0 else { throw .invalid("cooldown_windows must not be negative") }
        guard (0...1).contains(datasetDriftShare) else { throw .invalid("dataset_drift_share must be within 0...1") }
        guard bins >= 2 else { throw .invalid("bins must be at least 2") }
        try quality.validate()
    }
}

extension DriftPolicy {
    package enum CodingKeys: String, CodingKey, CaseIterable {
        case warnThreshold = "warn_threshold"
        case driftThreshold = "drift_threshold"
        case wassersteinWarnThreshold = "wasserstein_warn_threshold"
        case wassersteinDriftThreshold = "wasserstein_drift_threshold"
        case jensenShannonWarnThreshold = "jensenshannon_warn_threshold"
        case jensenShannonDriftThreshold = "jensenshannon_drift_threshold"
        case significanceLevel = "significance_level"
        case correction
        case minimumWindowRecords = "minimum_window_records"
        case consecutiveWindows = "consecutive_windows"
        case resolveAfterWindows = "resolve_after_windows"
        case cooldownWindows = "cooldown_windows"
        case datasetDriftShare = "dataset_drift_share"
        case bins, quality, performance
    }

    /// Every key is optional; a missing key keeps its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DriftPolicy()
        warnThreshold = try container.decodeIfPresent(Double.self, forKey: .warnThreshold) ?? defaults.warnThreshold
        driftThreshold = try container.decodeIfPresent(Double.self, forKey: .driftThreshold) ?? defaults.driftThreshold
        wassersteinWarnThreshold = try container.decodeIfPresent(Double.self, forKey: .wassersteinWarnThreshold) ?? defaults.wassersteinWarnThreshold
        wassersteinDriftThreshold = try container.decodeIfPresent(Double.self, forKey: .wassersteinDriftThreshold) ?? defaults.wassersteinDriftThreshold
        jensenShannonWarnThreshold = try container.decodeIfPresent(Double.self, forKey: .jensenShannonWarnThreshold) ?? defaults.jensenShannonWarnThreshold
        jensenShannonDriftThreshold = try container.decodeIfPresent(Double.self, forKey: .jensenShannonDriftThreshold) ?? defaults.jensenShannonDriftThreshold
        significanceLevel = try container.decodeIfPresent(Double.self, forKey: .significanceLevel) ?? defaults.significanceLevel
        correction = try container.decodeIfPresent(MultipleTesting.self, forKey: .correction) ?? defaults.correction
        minimumWindowRecords = try container.decodeIfPresent(Int.self, forKey: .minimumWindowRecords)
        consecutiveWindows = try container.decodeIfPresent(Int.self, forKey: .consecutiveWindows) ?? defaults.consecutiveWindows
        resolveAfterWindows = try container.decodeIfPresent(Int.self, forKey: .resolveAfterWindows) ?? defaults.resolveAfterWindows
        cooldownWindows = try container.decodeIfPresent(Int.self, forKey: .cooldownWindows) ?? defaults.cooldownWindows
        datasetDriftShare = try container.decodeIfPresent(Double.self, forKey: .datasetDriftShare) ?? defaults.datasetDriftShare
        bins = try container.decodeIfPresent(Int.self, forKey: .bins) ?? defaults.bins
        quality = try container.decodeIfPresent(QualityPolicy.self, forKey: .quality) ?? defaults.quality
        performance = try container.decodeIfPresent(PerformancePolicy.self, forKey: .performance) ?? defaults.performance
    }
}

public struct PolicyError: Error, Hashable, CustomStringConvertible {
    public var description: String
    static func invalid(_ text: String) -> PolicyError { PolicyError(description: "invalid drift policy: \(text)") }
}
