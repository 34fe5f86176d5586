/// A drift or retraining event, published as a CloudEvents 1.0 structured JSON message
/// keyed by model.
public struct DriftEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case driftDetected = "dev.driftwatch.drift.detected"
        case retrainingRequested = "dev.driftwatch.retraining.requested"
        case driftResolved = "dev.driftwatch.drift.resolved"
        case performanceDegraded = "dev.driftwatch.performance.degraded"
    }

    /// A feature that drifted, or a quality measure above its limit, with the numbers behind
    /// the verdict.
    public struct Evidence: Sendable, Hashable {
        /// The feature; nil for a quality measure of the whole model (duplicates, unknown fields...).
        public var feature: String?
        /// The deciding drift score (`psi`, `wasserstein`...) or the quality check (`missing_ratio`...).
        public var method: String
        public var score: Double
        public var threshold: Double
        public var pvalue: Double?
    }

    /// A record-count window's place in its count. Its records depend on the order in which
    /// partitions were fetched, which a replay does not repeat; its place does not.
    public struct CountedWindow: Sendable, Hashable {
        /// The monitor's ``Monitor/lineage``, mixed with the partitions the window was read from.
        public var lineage: UInt64
        public var index: Int
    }

    public var kind: Kind
    public var model: String
    public var referenceVersion: String
    public var windowStart: Int64
    public var windowEnd: Int64
    public var windowRecords: Int
    /// nil for an event-time window: its bounds name it.
    public var countedWindow: CountedWindow?
    public var datasetDriftShare: Double
    public var features: [Evidence]
    /// A performance window's metrics worse than their thresholds; empty for drift.
    public var metrics: [PerformanceBreach] = []
    /// The registered model version the reference came from, if it came from a registry.
    public var modelVersion: RegisteredModelVersion?
    /// What judged the window: nil for the drift tests, `performance` for the model's
    /// performance (part of the id: a window may raise both).
    public var cause: String?

    /// Deterministic from model, kind and window, so a replay after a crash yields the same
    /// id and consumers can deduplicate: an event-time window is named by its bounds, a
    /// record-count window by its place in the count (``CountedWindow``).
    public var id: String {
        var hash = StableHash()
        hash.combine(model)
        hash.combine(kind.rawValue)
        if let cause { hash.combine(cause) }
        if let counted = countedWindow {
            hash.combine(counted.lineage)
            hash.combine(counted.index)
        } else {
            hash.combine(Int(windowStart))
            hash.combine(Int(windowEnd))
        }
        return hash.hexDigest
    }

    /// - Parameter partitions: a digest of the partitions the pipeline reads, for record-count
    ///   windows: members of one group that took up the same checkpoint count apart.
    public init(kind: Kind, report: WindowReport, policy: DriftPolicy, partitions: UInt64 = 0) {
        self.kind = kind
        model = report.model
        referenceVersion = report.referenceVersion
        windowStart = report.start ?? report.firstEventTime ?? 0
        windowEnd = report.end ?? report.lastEventTime ?? 0
        windowRecords = report.records
        if report.start == nil {
            var lineage = StableHash()
            lineage.combine(report.lineage ?? 0)
            lineage.combine(partitions)
            countedWindow = CountedWindow(lineage: lineage.value, index: report.index)
        }
        datasetDriftShare = report.datasetDriftShare
        features = report.driftedFeatures.map { feature in
            let score = feature.score(feature.decidingMethod)
            return Evidence(
                feature: feature.name, method: feature.decidingMethod.rawValue, score: score?.value ?? .nan,
                threshold: feature.driftThreshold, pvalue: feature.pvalue)
        } + report.qualityBreaches.map { breach in
            Evidence(feature: breach.feature, method: breach.check.rawValue, score: breach.value, threshold: breach.limit, pvalue: nil)
        }
    }

    /// An event of a performance window: the predictions made from `start` to `end`
    /// (milliseconds), judged once their labels came; `breaches` are the evidence.
    public init(
        kind: Kind, model: String, referenceVersion: String, start: Int64, end: Int64, records: Int, breaches: [PerformanceBreach]
    ) {
        self.kind = kind
        self.model = model
        self.referenceVersion = referenceVersion
        windowStart = start
        windowEnd = end
        windowRecords = records
        datasetDriftShare = 0
        features = []
        metrics = breaches
        cause = "performance"
    }

    /// The structured-mode CloudEvent (`application/cloudevents+json`).
    public func cloudEventJSON() -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("specversion", "1.0")
        json.field("id", id)
        json.field("source", "/driftwatch/models/\(model)")
        json.field("type", kind.rawValue)
        json.field("subject", model)
        json.field("time", RFC3339.format(milliseconds: windowEnd))
        json.field("datacontenttype", "application/json")
        json.key("data")
        json.beginObject()
        json.field("model", model)
        json.field("reference_version", referenceVersion)
        if let modelVersion {
            json.key("model_version")
            json.beginObject()
            json.field("name", modelVersion.name)
            json.field("version", modelVersion.version)
            json.endObject()
        }
        json.key("window")
        json.beginObject()
        json.field("start", RFC3339.format(milliseconds: windowStart))
        json.field("end", RFC3339.format(milliseconds: windowEnd))
        json.field("records", windowRecords)
        json.endObject()
        json.field("dataset_drift_share", datasetDriftShare)
        json.key("features")
        json.beginArray()
        for evidence in features {
            json.beginObject()
            json.key("name")
            if let feature = evidence.feature { json.value(feature) } else { json.null() }
            json.field("method", evidence.method)
            json.field("score", evidence.score)
            json.field("threshold", evidence.threshold)
            json.key("pvalue")
            if let pvalue = evidence.pvalue { json.value(pvalue) } else { json.null() }
            json.endObject()
        }
        json.endArray()
        if !metrics.isEmpty {
            json.key("metrics")
            json.beginArray()
            for breach in metrics { breach.write(into: &json) }
            json.endArray()
        }
        json.endObject()
        json.endObject()
        return json.bytes
    }
}
