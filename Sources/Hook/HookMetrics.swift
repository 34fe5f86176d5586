import DriftMonitor
import Prometheus
import Synchronization
import Telemetry

/// The hook's own series, created once: events by type and result, attempts, action time.
public final class HookMetrics: ExpositionSource {
    /// How an event ended.
    public enum Result: String, Sendable, CaseIterable {
        /// The action succeeded.
        case succeeded
        /// Every attempt failed, or the action rejected the event: recorded and committed.
        case failed
        /// An event with an id already handled on its partition.
        case duplicate
        /// A type the hook was not told to act on.
        case ignored
        /// Not a driftwatch CloudEvent.
        case invalid
    }

    public let registry: PrometheusCollectorRegistry
    private let process: ProcessStatistics
    private let events: [String: [Result: Counter]]
    private let attempts: [String: Counter]
    private let duration: DurationHistogram
    private let lastSuccess: Gauge
    private let failedRecords: Counter

    /// Types outside the three driftwatch kinds share one label value, so a stranger's
    /// topic cannot grow the series.
    static func typeLabel(_ type: String) -> String {
        DriftEvent.Kind(rawValue: type) == nil ? "other" : type
    }

    public init(version: String) {
        func descriptor(_ name: String, _ help: String, unit: String = "") -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "driftwatch_hook", metricName: name, unitName: unit, helpText: help)
        }
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        registry.makeGauge(descriptor: descriptor("build_info", "Build of the running hook; value 1."), labels: [("version", version)]).set(1.0)
        let eventDescriptor = descriptor("events_total", "Events read, by CloudEvents type and how they ended.")
        var events: [String: [Result: Counter]] = [:]
        for type in DriftEvent.Kind.allCases.map(\.rawValue) + ["other"] {
            for result in Result.allCases {
                events[type, default: [:]][result] = registry.makeCounter(
                    descriptor: eventDescriptor, labels: [("type", type), ("result", result.rawValue)])
            }
        }
        self.events = events
        let attemptDescriptor = descriptor("action_attempts_total", "Attempts at the action, by outcome.")
        attempts = Dictionary(uniqueKeysWithValues: ["succeeded", "failed"].map { result in
            (result, registry.makeCounter(descriptor: attemptDescriptor, labels: [("result", result)]))
        })
        duration = registry.makeDurationHistogram(
            descriptor: descriptor("action_duration", "Time of one attempt at the action.", unit: "seconds"),
            buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600)])
        lastSuccess = registry.makeGauge(
            descriptor: descriptor("last_success_timestamp", "When the action last succeeded, since the Unix epoch.", unit: "seconds"))
        failedRecords = registry.makeCounter(
            descriptor: descriptor("failed_records_total", "Events written to the failed-events topic."))
        process = ProcessStatistics(registry: registry)
    }

    func count(type: String, _ result: Result) {
        events[Self.typeLabel(type)]?[result]?.increment()
    }

    func countAttempt(succeeded: Bool, took: Duration, at epochSeconds: Double) {
        attempts[succeeded ? "succeeded" : "failed"]?.increment()
        duration.recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
        if succeeded { lastSuccess.set(epochSeconds) }
    }

    func countFailedRecord() { failedRecords.increment() }

    public func exposition(_ format: ExpositionFormat, into buffer: inout [UInt8]) {
        process.update()
        registry.exposition(format, into: &buffer)
    }

    public var hasStatusPage: Bool { false }

    public func statusPage() -> [UInt8]? { nil }
}
