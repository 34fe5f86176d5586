import DriftMonitor
import Telemetry

/// A monitor the pipeline feeds, with its series and what waits to be counted or switched.
final class Watched {
    var monitor: Monitor
    let metrics: ModelMetrics
    /// The configured model this monitor watches (or a segment of).
    let model: String
    /// Segmented model: the most segments, each watched on its own, by segment value.
    let segmentLimit: Int
    var segments: [[UInt8]: Watched] = [:]
    /// Records of segments past the limit were seen (and went to the model's own monitor).
    var segmentsOverflowed = false
    /// A new reference, waiting for the monitor to have no open pane.
    var pendingReference: ReferenceProfile?
    /// Aggregator: which panes every member has closed.
    var coverage = PaneCoverage(sources: [])
    var uncountedRecords = 0
    var uncountedLate = 0
    /// The model's performance, when it has labels.
    var performance: PerformanceTracker?

    init(monitor: Monitor, metrics: ModelMetrics, model: String, segmentLimit: Int = 0) {
        self.monitor = monitor
        self.metrics = metrics
        self.model = model
        self.segmentLimit = segmentLimit
    }
}

extension Watched {
    func countRecords() {
        if uncountedRecords > 0 {
            metrics.countRecords(uncountedRecords)
            uncountedRecords = 0
        }
        if uncountedLate > 0 {
            metrics.countLate(uncountedLate)
            uncountedLate = 0
        }
    }
}
