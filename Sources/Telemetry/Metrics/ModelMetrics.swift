import DriftMonitor
import Prometheus
import Synchronization

/// The cached series of one model. Updated at window close (drift, quality, moments) and per
/// batch (record counters).
public final class ModelMetrics: Sendable {
    public let model: String
    let recordsTotal: Counter
    let lateRecords: Counter
    let deadLettered: Counter
    let servingErrors: Counter
    let windowsClosed: Counter
    let windowRecords: Gauge
    let datasetDriftShare: Gauge
    let driftState: Gauge
    let evaluationSeconds: ValueHistogram
    let invalidByReason: [String: Counter]
    let retrainingAcknowledged: Counter
    let retrainingFailed: Counter
    /// The features' series, in the reference's order; a report lists numeric, then
    /// categorical, then vector features, so they are matched by name.
    let features: FeatureSeriesTable.Row
    private let featureIndex: [String: Int]
    let multivariate: MultivariateSeries?
    let duplicateRatio: Gauge
    let unknownFieldRatio: Gauge
    let absentFeatures: Gauge
    let eventAge: Gauge
    let qualityBreaches: Gauge
    let eventsPublished: [DriftEvent.Kind: Counter]
    let paneSummaries: [PaneSummaryResult: Counter]
    private let registry: PrometheusCollectorRegistry
    private let referenceInfo: Mutex<Gauge>
    private let board: StatusBoard

    struct MultivariateSeries: Sendable {
        let error: Gauge
        let lower: Gauge
        let upper: Gauge
        let drifted: Gauge
    }

    /// - Parameters:
    ///   - featuresWithSeries: how many of `features`, in order, get exported series; the
    ///     others' are kept and left out of the exposition (the cardinality limit).
    ///   - registry: where the model's series go (the catalogue's, or its overflow one).
    ///   - invalidReasons: every reason a record can fail to decode with; each gets its series up front.
    init(
        catalogue: MetricCatalogue, model: String, features: [Feature], featuresWithSeries: Int, registry: PrometheusCollectorRegistry,
        referenceVersion: String, modelVersion: String? = nil, invalidReasons: [String], multivariate: Bool
    ) {
        func makeGauge(_ registry: PrometheusCollectorRegistry, _ name: String, _ help: String, _ labels: [(String, String)], unit: String)
            -> Gauge
        {
            registry.makeGauge(descriptor: MetricCatalogue.descriptor(name, help, unit: unit), labels: [("model", model)] + labels)
        }
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = [], unit: String = "") -> Gauge {
            makeGauge(registry, name, help, labels, unit: unit)
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: MetricCatalogue.descriptor(name, help), labels: [("model", model)] + labels)
        }
        self.model = model
        recordsTotal = counter("records_total", "Records decoded and counted into a window.")
        lateRecords = counter("late_records_total", "Records whose event-time window had already closed: counted here, not in a window.")
        deadLettered = counter("dead_letter_records_total", "Records written to the dead-letter topic.")
        servingErrors = counter("inference_errors_total", "Errors the model server reported instead of a response (Seldon's errors topic).")
        windowsClosed = counter("windows_closed_total", "Windows closed and evaluated.")
        windowRecords = gauge("window_records", "Records in the last closed window.")
        datasetDriftShare = gauge("dataset_drift_share_ratio", "Share of features at drift level in the last window.")
        driftState = gauge("drift_state", "Model drift state: 0 ok, 1 warning, 2 drift.")
        evaluationSeconds = registry.makeValueHistogram(
            descriptor: MetricCatalogue.descriptor("window_evaluation", "Time to evaluate a closed window.", unit: "seconds"),
            labels: [("model", model)], buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1])
        var invalid: [String: Counter] = [:]
        for reason in invalidReasons {
            invalid[reason] = counter("records_invalid_total", "Records that could not be decoded, by reason.", [("reason", reason)])
        }
        invalidByReason = invalid
        retrainingAcknowledged = counter(
            "retraining_events_total", "Retraining events published, by outcome.", [("result", "acknowledged")])
        retrainingFailed = counter("retraining_events_total", "Retraining events published, by outcome.", [("result", "failed")])
        self.multivariate = multivariate
            ? MultivariateSeries(
                error: gauge("multivariate_reconstruction_error", "Mean PCA reconstruction error of the last window."),
                lower: gauge("multivariate_reconstruction_error_lower_threshold", "Lower end of the reference band for the last window."),
                upper: gauge("multivariate_reconstruction_error_upper_threshold", "Upper end of the reference band for the last window."),
                drifted: gauge("multivariate_drifted", "1 when the last window's reconstruction error left the reference band."))
            : nil
        duplicateRatio = gauge("duplicate_request_ratio", "Share of records whose request id repeated a recent one, in the last window.")
        unknownFieldRatio = gauge("unknown_field_ratio", "Share of records with a field outside the schema, in the last window.")
        absentFeatures = gauge("absent_features", "Features of the schema with no usable value in the last window.")
        eventAge = gauge("event_age", "Time from the last window's newest event time to its close.", unit: "seconds")
        qualityBreaches = gauge("quality_breaches", "Data-quality measures above the policy's limits in the last window.")
        eventsPublished = Dictionary(uniqueKeysWithValues: DriftEvent.Kind.allCases.map { kind in
            (kind, counter("events_published_total", "CloudEvents acknowledged by Kafka, by type.", [("type", kind.rawValue)]))
        })
        paneSummaries = Dictionary(uniqueKeysWithValues: PaneSummaryResult.allCases.map { result in
            (result, counter("pane_summaries_total", "Pane summaries of a scaled-out group: published by a member, or merged, duplicate or late at the aggregator.", [("result", result.rawValue)]))
        })
        self.registry = registry
        board = catalogue.board
        referenceInfo = Mutex(Self.makeReferenceInfo(registry: registry, model: model, version: referenceVersion, modelVersion: modelVersion))
        featureIndex = Dictionary(features.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.features = catalogue.featureSeries.makeRow(model: model, features: features, exported: featuresWithSeries)
    }

    public func countRecords(_ count: Int) { recordsTotal.increment(by: Int64(count)) }

    public func countLate(_ count: Int) { lateRecords.increment(by: Int64(count)) }

    /// What became of a pane summary (scale-out).
    public enum PaneSummaryResult: String, CaseIterable, Sendable {
        /// Sent by this member and acknowledged by Kafka.
        case published
        /// Merged by this aggregator into its pane.
        case merged
        /// A share the aggregator already merged, sent again (a member restarted or rebalanced).
        case duplicate
        /// A share of a pane the aggregator already judged.
        case late
    }

    public func countPaneSummary(_ result: PaneSummaryResult) { paneSummaries[result]?.increment() }

    /// Counts a record that did not decode; `reason` is one of those the metrics were made with.
    public func countInvalid(reason: String) {
        invalidByReason[reason]?.increment()
    }

    public func countDeadLettered() { deadLettered.increment() }
    public func countServingError() { servingErrors.increment() }

    public func countRetraining(acknowledged: Bool) {
        (acknowledged ? retrainingAcknowledged : retrainingFailed).increment()
    }

    /// Counts an event Kafka acknowledged, and lists it on the status page.
    public func countPublished(_ event: DriftEvent) {
        eventsPublished[event.kind]?.increment()
        let recent = StatusBoard.RecentEvent(
            kind: event.kind, id: event.id, windowEnd: event.windowEnd, features: event.features.compactMap(\.feature))
        board.update(model: model) { status in
            status.recentEvents.insert(recent, at: 0)
            if status.recentEvents.count > StatusBoard.recentEventLimit { status.recentEvents.removeLast() }
        }
    }

    /// Replaces the `reference_info` series by one of the new version (and the registered
    /// model version it came from, `name/version`, if any).
    public func setReference(version: String, modelVersion: String? = nil) {
        let registry = registry
        let model = model
        referenceInfo.withLock { info in
            registry.unregisterGauge(info)
            info = Self.makeReferenceInfo(registry: registry, model: model, version: version, modelVersion: modelVersion)
        }
        board.update(model: model) { status in
            status.referenceVersion = version
            status.modelVersion = modelVersion
        }
    }

    private static func makeReferenceInfo(registry: PrometheusCollectorRegistry, model: String, version: String, modelVersion: String? = nil) -> Gauge {
        let info = registry.makeGauge(
            descriptor: MetricCatalogue.descriptor("reference_info", "Reference profile in use, and the registered model version it came from; value 1."),
            labels: [("model", model), ("version", version), ("model_version", modelVersion ?? "")])
        info.set(1.0)
        return info
    }

    /// Sets the drift state gauge alone (a state restored from a checkpoint).
    public func setState(_ gauge: Int) {
        driftState.set(Double(gauge))
        board.update(model: model) { $0.state = gauge }
    }

    /// Publishes a closed window's verdict and statistics.
    public func record(_ report: WindowReport, state: DriftStateMachine.State) {
        board.update(model: model) { status in
            status.state = state.gauge
            status.lastWindow = report
        }
        windowsClosed.increment()
        windowRecords.set(Double(report.records))
        datasetDriftShare.set(report.datasetDriftShare)
        driftState.set(Double(state.gauge))
        evaluationSeconds.record(report.evaluationSeconds)
        duplicateRatio.set(report.duplicateRatio)
        unknownFieldRatio.set(report.unknownFieldRatio)
        absentFeatures.set(Double(report.absentFeatures.count))
        if let age = report.eventAgeSeconds { eventAge.set(age) }
        qualityBreaches.set(Double(report.qualityBreaches.count))
        if let series = multivariate, let result = report.multivariate {
            series.error.set(result.reconstructionError)
            series.lower.set(result.lowerThreshold)
            series.upper.set(result.upperThreshold)
            series.drifted.set(result.drifted ? 1.0 : 0.0)
        }
        let featureIndex = featureIndex
        features.update { row in
            for feature in report.features {
                guard let index = featureIndex[feature.name] else { continue }
                for score in feature.scores {
                    row.set(.score(score.method), of: index, to: score.value)
                    if let pvalue = score.pvalue { row.set(.pvalue(score.method), of: index, to: pvalue) }
                }
                if feature.driftThreshold.isFinite { row.set(.threshold(.mmd), of: index, to: feature.driftThreshold) }
                row.set(.plain(.drifted), of: index, to: feature.drifted ? 1.0 : 0.0)
                row.set(.plain(.missingRatio), of: index, to: feature.missingRatio)
                row.set(.plain(.outOfRangeRatio), of: index, to: feature.outOfRangeRatio)
                row.set(.plain(.newCategoryRatio), of: index, to: feature.newCategoryRatio)
                row.set(.plain(.typeMismatchRatio), of: index, to: feature.typeMismatchRatio)
                row.set(.plain(.nonFiniteRatio), of: index, to: feature.nonFiniteRatio)
                row.set(.plain(.repeatedRatio), of: index, to: feature.repeatedRatio)
                row.set(.plain(.constant), of: index, to: feature.isConstant ? 1.0 : 0.0)
                if !feature.mean.isNaN { row.set(.plain(.mean), of: index, to: feature.mean) }
                if !feature.standardDeviation.isNaN { row.set(.plain(.stddev), of: index, to: feature.standardDeviation) }
                for quantile in feature.quantiles where !quantile.value.isNaN {
                    row.set(.quantile(quantile.probability), of: index, to: quantile.value)
                }
            }
        }
    }
}
