import DriftMonitor
import Prometheus
import Synchronization

/// Every metric driftwatch exports, on one Prometheus registry.
///
/// Series are created once — per model and feature when a monitor starts, per partition
/// when it is first assigned — and their handles cached, never on the hot path (creating a
/// series in swift-prometheus copies its family). Labels go model, feature, method.
/// docs/metrics.md lists them all.
public final class MetricCatalogue: ExpositionSource {
    public let registry: PrometheusCollectorRegistry
    public let version: String
    public let limits: CardinalityLimits
    /// What the status page shows: each model's last window and recent events.
    public let board = StatusBoard()
    /// Where the series of models past the limit go: never exposed, so the
    /// code that updates them needs no second path.
    let overflowRegistry = PrometheusCollectorRegistry()
    /// The `driftwatch_feature_*` series, kept outside the registry for their number.
    let featureSeries = FeatureSeriesTable()
    private let process: ProcessStatistics
    private let lag = Mutex<[String: Gauge]>([:])
    private let assignedPartitions: Gauge
    private let unrouted: Counter
    private let joins = Mutex<[String: Counter]>([:])
    private let registryFailures = Mutex<[String: Counter]>([:])
    private let modelsWithSeries = Mutex(0)
    private let overflowModels: Counter
    private let overflowFeatures: Counter
    private let categoryValuesCut: Counter
    private let categoryValuesCutSoFar = Mutex(0)

    public init(
        version: String, limits: CardinalityLimits = CardinalityLimits(), registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.registry = registry
        self.version = version
        self.limits = limits
        registry.makeGauge(descriptor: Self.descriptor("build_info", "Build of the running agent; value 1."), labels: [("version", version)])
            .set(1.0)
        unrouted = registry.makeCounter(
            descriptor: Self.descriptor("records_unrouted_total", "Records naming a model this agent does not monitor."))
        let overflow = Self.descriptor(
            "cardinality_overflow_total", "Models, or features of a model, left without series by the cardinality limits.")
        overflowModels = registry.makeCounter(descriptor: overflow, labels: [("kind", "model")])
        overflowFeatures = registry.makeCounter(descriptor: overflow, labels: [("kind", "feature")])
        categoryValuesCut = registry.makeCounter(
            descriptor: Self.descriptor(
                "category_values_cut_total",
                "New category values counted as __overflow__ for their length (over 256 bytes) or past a feature's 256 KiB of values."))
        assignedPartitions = registry.makeGauge(
            descriptor: Self.descriptor("kafka_assigned_partitions", "Partitions of the log topics assigned to this member of the group."))
        process = ProcessStatistics(registry: registry)
    }

    static func descriptor(_ name: String, _ help: String, unit: String = "") -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "driftwatch", metricName: name, unitName: unit, helpText: help)
    }

    /// The series of one model and its features; create once per monitor.
    /// - Parameters:
    ///   - invalidReasons: the decoders' failure reasons, the values of the `reason` label.
    ///   - multivariate: whether the reference has a PCA baseline (then its series exist).
    ///   - modelVersion: the registered model version (`name/version`) the reference came from.
    public func makeModelMetrics(
        model: String, features: [Feature], referenceVersion: String, modelVersion: String? = nil, invalidReasons: [String], multivariate: Bool
    ) -> ModelMetrics {
        let exported = modelsWithSeries.withLock { count in
            guard count < limits.models else { return false }
            count += 1
            return true
        }
        let featuresWithSeries = exported ? min(features.count, limits.featuresPerModel) : 0
        if !exported { overflowModels.increment() }
        overflowFeatures.increment(by: Int64(features.count - featuresWithSeries))
        board.add(model: model, referenceVersion: referenceVersion, modelVersion: modelVersion)
        return ModelMetrics(
            catalogue: self, model: model, features: features, featuresWithSeries: featuresWithSeries,
            registry: exported ? registry : overflowRegistry, referenceVersion: referenceVersion, modelVersion: modelVersion,
            invalidReasons: invalidReasons,
            multivariate: multivariate)
    }

    public func countUnrouted() { unrouted.increment() }

    /// Counts a failed look at a model's registered reference (the registry down, the
    /// artifact unreadable): the last reference stays in use. Series created on first use.
    public func countRegistryFailure(model: String) {
        let counter = registryFailures.withLock { cache in
            if let counter = cache[model] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.descriptor(
                    "reference_registry_failures_total", "Failed looks at a model's reference in the model registry; the last reference stays."),
                labels: [("model", model)])
            cache[model] = counter
            return counter
        }
        counter.increment()
    }

    /// Brings `driftwatch_category_values_cut_total` up to `total`, the decoder's running count.
    public func noteCategoryValuesCut(total: Int) {
        let added = categoryValuesCutSoFar.withLock { counted in
            defer { counted = max(counted, total) }
            return total - counted
        }
        if added > 0 { categoryValuesCut.increment(by: Int64(added)) }
    }

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

    /// Records the partitions assigned to this member now: the assigned count, and the lag
    /// series of partitions given up removed, so that a sum over the group's members counts
    /// each partition once.
    public func setAssignment(_ partitions: [(topic: String, partition: Int32)]) {
        assignedPartitions.set(Double(partitions.count))
        let kept = Set(partitions.map { "\($0.topic)/\($0.partition)" })
        lag.withLock { cache in
            for (key, gauge) in cache where !kept.contains(key) {
                registry.unregisterGauge(gauge)
                cache[key] = nil
            }
        }
    }

    /// The exposition in `format`, with the process series read just before.
    public func exposition(_ format: ExpositionFormat = .text, into buffer: inout [UInt8]) {
        process.update()
        registry.exposition(format, into: &buffer, more: featureSeries.emit)
    }

    public var hasStatusPage: Bool { true }

    public func statusPage() -> [UInt8]? {
        StatusPage.render(board.snapshot, version: version)
    }
}
