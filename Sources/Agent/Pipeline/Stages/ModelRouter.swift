import DriftMonitor
import Ingest
import Logging
import Telemetry

/// Which monitor a record goes to: its model's, by name or by one of the names routed to it,
/// or one segment's of that model. Holds every monitor the pipeline feeds.
final class ModelRouter {
    let catalogue: MetricCatalogue
    let logger: Logger
    /// Where reloaded references are posted.
    let referenceUpdates: ReferenceUpdates?
    /// The configured models' monitors, then their segments' in the order they appeared.
    private(set) var watched: [Watched]
    /// Routing names, and the index in `watched` of each name's code.
    private var names = CategoryDictionary(capacity: 4096, maximumValueBytes: .max, byteCapacity: .max)
    private var watchedOfName: [Int] = []
    /// The checkpoints read at the first assignment, for segments that appear later.
    private var restoredCheckpoints: [String: Monitor.Checkpoint] = [:]
    /// Where the count of windows starts for a model without a checkpoint (``Monitor/lineage``).
    private var lineage: UInt64?
    /// By topic index, the models reading their labels from that topic (a topic of labels
    /// only; labels in a later copy of the record come on the model's own topics).
    var labelReaders: [Int: [Watched]] = [:]

    /// - Parameters:
    ///   - routes: per model, the names that route to it (by default its own).
    ///   - segmentLimits: per segmented model, the most segments with a monitor of their own.
    init(
        monitors: [Monitor], routes: [String: [String]], segmentLimits: [String: Int], referenceUpdates: ReferenceUpdates? = nil,
        catalogue: MetricCatalogue, logger: Logger
    ) {
        self.referenceUpdates = referenceUpdates
        self.catalogue = catalogue
        self.logger = logger
        watched = monitors.map { monitor in
            Watched(
                monitor: monitor, metrics: Self.makeMetrics(for: monitor, catalogue: catalogue), model: monitor.model,
                segmentLimit: segmentLimits[monitor.model] ?? 0)
        }
        for (index, monitor) in monitors.enumerated() {
            for name in routes[monitor.model] ?? [monitor.model] {
                let code = Int(names.code(for: name))
                if code >= watchedOfName.count { watchedOfName.append(contentsOf: repeatElement(-1, count: code + 1 - watchedOfName.count)) }
                watchedOfName[code] = index
            }
        }
    }

    static func makeMetrics(for monitor: Monitor, catalogue: MetricCatalogue) -> ModelMetrics {
        catalogue.makeModelMetrics(
            model: monitor.model, features: monitor.reference.schema, referenceVersion: monitor.reference.version,
            modelVersion: monitor.reference.modelVersion.map { "\($0)" }, invalidReasons: DecodeError.Reason.allCases.map(\.rawValue),
            multivariate: monitor.reference.multivariate != nil)
    }

    /// The monitor of the payload's model; a payload without one goes to the only model.
    func route(_ model: [UInt8]) -> Watched? {
        guard !model.isEmpty else {
            return watched.count == 1 ? watched[0] : nil
        }
        guard let code = model.withUnsafeBytes({ names.lookup($0) }), watchedOfName[Int(code)] >= 0 else { return nil }
        return watched[watchedOfName[Int(code)]]
    }

    /// The configured model named exactly `model` (not a segment, not a routed name).
    func configured(_ model: String) -> Watched? {
        watched.first { $0.monitor.model == model }
    }

    /// The payload's monitor: its model's, or its segment's when the model is segmented.
    func target(model: [UInt8], segment: [UInt8], space: FeatureSpace) -> Watched? {
        guard let target = route(model) else { return nil }
        if target.segmentLimit > 0 && !segment.isEmpty { return self.segment(segment, of: target, space: space) }
        return target
    }

    var hasEventTimeWindows: Bool {
        watched.contains { if case .eventTime = $0.monitor.window { true } else { false } }
    }

    /// Every model's drift state, to commit with the offsets.
    var checkpoints: [String: Monitor.Checkpoint] {
        Dictionary(uniqueKeysWithValues: watched.map { ($0.monitor.model, $0.monitor.checkpoint) })
    }

    /// Takes up each model's drift state from the newest of the committed checkpoints; a
    /// model that never counted a window and has none starts its count at `lineage`.
    func restore(from committed: [PipelineCheckpoint], lineage: UInt64) {
        var newest: [String: Monitor.Checkpoint] = [:]
        for checkpoint in committed {
            for (model, state) in checkpoint.models where state.windowsClosed > newest[model]?.windowsClosed ?? -1 {
                newest[model] = state
            }
        }
        restoredCheckpoints = newest
        self.lineage = lineage
        for target in watched { restore(target) }
    }

    /// Takes up a monitor's drift state from the checkpoint read at the first assignment.
    /// A checkpoint of no window counts too while the monitor has not begun its count: a
    /// crash before the first window's commit must replay it in the same count.
    func restore(_ target: Watched) {
        let monitor = target.monitor
        if let checkpoint = restoredCheckpoints[monitor.model],
            checkpoint.windowsClosed > monitor.windowsClosed || (monitor.windowsClosed == 0 && monitor.lineage == nil)
        {
            monitor.restore(checkpoint)
            target.metrics.setState(checkpoint.state.gauge)
            logger.info(
                "drift state restored from the committed checkpoint",
                metadata: ["model": "\(monitor.model)", "state": "\(checkpoint.state.gauge)", "windows": "\(checkpoint.windowsClosed)"])
        }
        if monitor.lineage == nil { monitor.lineage = lineage }
    }

    /// After a revocation: every open window is dropped, to be read again by the partitions' next owner.
    func discardOpenWindows() {
        for target in watched {
            target.monitor.discardOpenWindow()
            target.coverage = PaneCoverage(sources: target.coverage.sources)
        }
    }

    /// Adds a segment's monitor (see ``segment(_:of:space:)``).
    func add(_ segment: Watched) {
        watched.append(segment)
    }
}
