/// Everything known about a closed window: what it held and how each feature compares.
public struct WindowReport: Sendable {
    public var model: String
    public var referenceVersion: String
    /// The window's sequence number for this model: since the agent started, or since the
    /// count the restored checkpoint continues.
    public var index: Int
    /// The monitor's ``Monitor/lineage`` when the window closed.
    public var lineage: UInt64?
    public var records: Int
    public var firstEventTime: Int64?
    public var lastEventTime: Int64?
    /// The bounds `[start, end)` of an event-time window (ms since the epoch).
    public var start: Int64?
    public var end: Int64?
    /// Records that came for a pane already closed, since the window before this one.
    public var lateRecords = 0
    public var features: [FeatureDrift]
    /// Share of features at drift level.
    public var datasetDriftShare: Double
    /// PCA reconstruction error of the window against the reference's band, when the
    /// reference has a multivariate baseline.
    public var multivariate: MultivariateDrift?
    /// Seconds spent evaluating the tests.
    public var evaluationSeconds: Double
    /// Share of records whose request id repeated a recent one.
    public var duplicateRatio: Double = 0
    /// Share of records with a field outside the schema, and the first few of those fields.
    public var unknownFieldRatio: Double = 0
    public var unknownFields: [String] = []
    /// Features of the schema with no value in any record of the window.
    public var absentFeatures: [String] = []
    /// Seconds from the newest event time to the window's close, when both are known.
    public var eventAgeSeconds: Double?
    /// Data-quality measures above the policy's limits: they breach the window.
    public var qualityBreaches: [QualityBreach] = []
    /// False when the window had fewer records than ``DriftPolicy/judgedWindowRecords``: its
    /// scores are reported, no feature is flagged and the drift state does not move.
    public var judged = true

    public var driftedFeatures: [FeatureDrift] { features.filter(\.drifted) }
    public var level: FeatureDrift.Level { features.map(\.level).max() ?? .ok }
}
