import DriftMonitor
import Prometheus
import Synchronization

/// Every metric driftwatch exports, on one Prometheus registry.
///
/// Series are created once — per model and feature when a monitor starts, per partition
/// when it is first assigned — and their handles cached, never on the hot path (creating a
/// series in swift-prometheus copies its family). Labels go model, feature, method.
public final class MetricCatalogue: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let version: String
    private let lag = Mutex<[String: Gauge]>([:])
    private let unrouted: Counter
    private let joins = Mutex<[String: Counter]>([:])

    public init(version: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.version = version
        registry.makeGauge(descriptor: Self.descriptor("build_info", "Build of the running agent; value 1."), labels: [("version", version)])
            .set(1.0)
        unrouted = registry.makeCounter(
            descriptor: Self.descriptor("records_unrouted_total", "Records naming a model this agent does not monitor."))
    }

    static func descriptor(_ name: String, _ help: String, unit: String = "") -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "driftwatch", metricName: name, unitName: unit, helpText: help)
    }

    /// The series of one model and its features; create once per monitor.
    /// - Parameters:
    ///   - invalidReasons: the decoders' failure reasons, the values of the `reason` label.
    ///   - multivariate: whether the reference has a PCA baseline (then its series exist).
    public func makeModelMetrics(
        model: String, features: [Feature], referenceVersion: String, invalidReasons: [String], multivariate: Bool
    ) -> ModelMetrics {
        ModelMetrics(
            catalogue: self, model: model, features: features, referenceVersion: referenceVersion, invalidReasons: invalidReasons,
            multivariate: multivariate)
    }

    public func countUnrouted() { unrouted.increment() }

    /// Counts an inference request or response leaving the request-response join, by outcome
    /// (`joined`, `request_only`, `response_only`); series created on first use.
    public func countJoin(outcome: String) {
        let counter = joins.withLock { cache in
            if let counter = cache[outcome] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.descriptor("inference_joins_total", "Inference payloads leaving the request-response join, by outcome."),
                labels: [("outcome", outcome)])
            cache[outcome] = counter
            return counter
        }
        counter.increment()
    }

    /// Sets the consumer lag of a partition (series created on first use).
    public func setLag(topic: String, partition: Int32, records: Int64) {
        let gauge = lag.withLock { cache in
            let key = "\(topic)/\(partition)"
            if let gauge = cache[key] { return gauge }
            let gauge = registry.makeGauge(
                descriptor: Self.descriptor("kafka_consumer_lag_records", "Records between the consumer position and the partition end."),
                labels: [("topic", topic), ("partition", String(partition))])
            cache[key] = gauge
            return gauge
        }
        gauge.set(Double(records))
    }

    /// The exposition text (format 0.0.4).
    public func exposition(into buffer: inout [UInt8]) {
        registry.emit(into: &buffer)
    }
}
