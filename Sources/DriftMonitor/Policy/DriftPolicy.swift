/// When a model counts as drifted, and when to ask for retraining.
///
/// A feature is at *drift* level when its PSI reaches ``driftThreshold`` and at *warning*
/// level from ``warnThreshold``. KS, chi-square, Wasserstein and Jensen-Shannon are reported
/// as evidence but do not decide: at 100k rows a p-value flags shifts nobody cares about,
/// while PSI is an effect size whose 0.1 / 0.25 bands are the industry's habit.
/// A window *breaches* when at least one feature drifted and the drifted share reaches
/// ``datasetDriftShare``.
public struct DriftPolicy: Sendable, Hashable, Codable {
    public var warnThreshold: Double = 0.1
    public var driftThreshold: Double = 0.25
    /// Windows with fewer records are reported but do not move the state machine.
    public var minimumWindowRecords: Int = 100
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

    public init() {}

    /// Checks the settings make sense together.
    public func validate() throws(PolicyError) {
        guard warnThreshold > 0, driftThreshold >= warnThreshold else {
            throw .invalid("thresholds need 0 < warn (\(warnThreshold)) <= drift (\(driftThreshold))")
        }
        guard consecutiveWindows >= 1 else { throw .invalid("consecutive_windows must be at least 1") }
        guard resolveAfterWindows >= 1 else { throw .invalid("resolve_after_windows must be at least 1") }
        guard cooldownWindows >= 0 else { throw .invalid("cooldown_windows must not be negative") }
        guard (0...1).contains(datasetDriftShare) else { throw .invalid("dataset_drift_share must be within 0...1") }
        guard bins >= 2 else { throw .invalid("bins must be at least 2") }
    }
}

extension DriftPolicy {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case warnThreshold = "warn_threshold"
        case driftThreshold = "drift_threshold"
        case minimumWindowRecords = "minimum_window_records"
        case consecutiveWindows = "consecutive_windows"
        case resolveAfterWindows = "resolve_after_windows"
        case cooldownWindows = "cooldown_windows"
        case datasetDriftShare = "dataset_drift_share"
        case bins
    }

    /// Every key is optional; a missing key keeps its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DriftPolicy()
        warnThreshold = try container.decodeIfPresent(Double.self, forKey: .warnThreshold) ?? defaults.warnThreshold
        driftThreshold = try container.decodeIfPresent(Double.self, forKey: .driftThreshold) ?? defaults.driftThreshold
        minimumWindowRecords = try container.decodeIfPresent(Int.self, forKey: .minimumWindowRecords) ?? defaults.minimumWindowRecords
        consecutiveWindows = try container.decodeIfPresent(Int.self, forKey: .consecutiveWindows) ?? defaults.consecutiveWindows
        resolveAfterWindows = try container.decodeIfPresent(Int.self, forKey: .resolveAfterWindows) ?? defaults.resolveAfterWindows
        cooldownWindows = try container.decodeIfPresent(Int.self, forKey: .cooldownWindows) ?? defaults.cooldownWindows
        datasetDriftShare = try container.decodeIfPresent(Double.self, forKey: .datasetDriftShare) ?? defaults.datasetDriftShare
        bins = try container.decodeIfPresent(Int.self, forKey: .bins) ?? defaults.bins
    }
}

public struct PolicyError: Error, Hashable, CustomStringConvertible {
    public var description: String
    static func invalid(_ text: String) -> PolicyError { PolicyError(description: "invalid drift policy: \(text)") }
}
