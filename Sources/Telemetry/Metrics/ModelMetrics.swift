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
    let features: [FeatureSeries]
    /// A feature's series by name: a report lists numeric, then categorical, then vector
    /// features, while the series follow the reference's order.
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

    struct FeatureSeries: Sendable {
        let name: String
        let scores: [String: Gauge]
        let pvalues: [String: Gauge]
        /// Vector features: the calibrated MMD² threshold for the window's size.
        let threshold: Gauge?
        let drifted: Gauge
        let missing: Gauge
        let typeMismatch: Gauge
        let nonFinite: Gauge
        // Scalar features only: a vector's coordinates have no range, category or single mean.
        let outOfRange: Gauge?
        let newCategory: Gauge?
        let repeated: Gauge?
        let constant: Gauge?
        let mean: Gauge?
        let stddev: Gauge?
        let quantiles: [Gauge]
    }

    /// - Parameters:
    ///   - featuresWithSeries: how many of `features`, in order, get exported series; the
    ///     others' go to the catalogue's never-exposed registry (the cardinality limit).
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
        self.features = features.enumerated().map { index, feature in
            let featureRegistry = index < featuresWithSeries ? registry : catalogue.overflowRegistry
            func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
                makeGauge(featureRegistry, name, help, labels, unit: "")
            }
            let methods: [FeatureDrift.Method] = switch feature.kind {
            case .numeric: [.psi, .ks, .wasserstein, .jensenShannon, .hellinger, .kullbackLeibler]
            case .categorical: [.psi, .chiSquare, .jensenShannon, .hellinger, .kullbackLeibler]
            case .vector: [.mmd, .meanDistance, .meanCosineDistance, .pcaReconstruction]
            }
            let withPValue: [FeatureDrift.Method] = switch feature.kind {
            case .numeric: [.ks]
            case .categorical: [.chiSquare]
            case .vector: []
            }
            let labels = [("feature", feature.name)]
            let scalar = feature.kind != .vector
            func scalarGauge(_ name: String, _ help: String) -> Gauge? { scalar ? gauge(name, help, labels) : nil }
            return FeatureSeries(
                name: feature.name,
                scores: Dictionary(uniqueKeysWithValues: methods.map { method in
                    (method.rawValue, gauge("feature_drift_score", "Drift score of a feature in the last window.", labels + [("method", method.rawValue)]))
                }),
                pvalues: Dictionary(uniqueKeysWithValues: withPValue.map { method in
                    (method.rawValue, gauge("feature_drift_pvalue", "p-value of a feature's drift test in the last window.", labels + [("method", method.rawValue)]))
                }),
                threshold: scalar
                    ? nil
                    : gauge(
                        "feature_drift_threshold", "Alarm threshold of a vector feature's test for the last window's size, calibrated on the reference.",
                        labels + [("method", FeatureDrift.Method.mmd.rawValue)]),
                drifted: gauge("feature_drifted", "1 if the feature is at drift level in the last window.", labels),
                missing: gauge("feature_missing_ratio", "Share of records without a usable value.", labels),
                typeMismatch: gauge("feature_type_mismatch_ratio", "Share of values of the wrong JSON type.", labels),
                nonFinite: gauge("feature_non_finite_ratio", "Share of values that were NaN or infinite.", labels),
                outOfRange: scalarGauge("feature_out_of_range_ratio", "Share of values outside the reference range."),
                newCategory: scalarGauge("feature_new_category_ratio", "Share of values in categories the reference never saw."),
                repeated: feature.kind == .numeric
                    ? gauge("feature_repeated_ratio", "Share of values equal to the value before them.", labels) : nil,
                constant: scalarGauge("feature_constant", "1 if every value of the last window was the same."),
                mean: scalarGauge("feature_mean", "Mean of the feature in the last window."),
                stddev: scalarGauge("feature_stddev", "Standard deviation of the feature in the last window."),
                quantiles: feature.kind == .numeric
                    ? Monitor.reportedQuantiles.map { q in
                        gauge("feature_quantile", "Quantile of the feature in the last window, by probability.", labels + [("probability", "\(q)")])
                    } : [])
        }
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
        for feature in report.features {
            guard let index = featureIndex[feature.name] else { continue }
            let series = features[index]
            for score in feature.scores {
                series.scores[score.method.rawValue]?.set(score.value)
                if let pvalue = score.pvalue { series.pvalues[score.method.rawValue]?.set(pvalue) }
            }
            if feature.driftThreshold.isFinite { series.threshold?.set(feature.driftThreshold) }
            series.drifted.set(feature.drifted ? 1.0 : 0.0)
            series.missing.set(feature.missingRatio)
            series.outOfRange?.set(feature.outOfRangeRatio)
            series.newCategory?.set(feature.newCategoryRatio)
            series.typeMismatch.set(feature.typeMismatchRatio)
            series.nonFinite.set(feature.nonFiniteRatio)
            series.repeated?.set(feature.repeatedRatio)
            series.constant?.set(feature.isConstant ? 1.0 : 0.0)
            if !feature.mean.isNaN { series.mean?.set(feature.mean) }
            if !feature.standardDeviation.isNaN { series.stddev?.set(feature.standardDeviation) }
            for (gauge, quantile) in zip(series.quantiles, feature.quantiles) where !quantile.value.isNaN {
                gauge.set(quantile.value)
            }
        }
    }
}
