import DriftMonitor
import Synchronization

/// The latest state of every model, for the page at `/`: written at window close and
/// event acknowledgement (never per record), read per page view.
public final class StatusBoard: Sendable {
    /// One model as the page shows it.
    public struct ModelStatus: Sendable {
        public var model: String
        public var referenceVersion: String
        /// The registered model version (`name/version`) the reference came from, if any.
        public var modelVersion: String?
        /// 0 ok, 1 warning, 2 drift, as `driftwatch_drift_state`.
        public var state = 0
        public var lastWindow: WindowReport?
        /// Newest first, at most ``StatusBoard/recentEventLimit``.
        public var recentEvents: [RecentEvent] = []
        /// Models with labels: their performance.
        public var performance: PerformanceStatus?
    }

    /// A model's performance as the page shows it: per metric, the reference, the last judged
    /// window and the estimate.
    public struct PerformanceStatus: Sendable {
        public var metrics: [PerformanceMetric] = []
        public var reference: [PerformanceMetric: Double] = [:]
        public var realised: [PerformanceMetric: Double] = [:]
        public var estimated: [PerformanceMetric: Double] = [:]
        /// 0 ok, 1 warning, 2 degraded.
        public var state = 0
        public var waiting = 0
    }

    public struct RecentEvent: Sendable, Hashable {
        public var kind: DriftEvent.Kind
        public var id: String
        public var windowEnd: Int64
        public var features: [String]
    }

    public static let recentEventLimit = 10
    private let models = Mutex<[ModelStatus]>([])

    public init() {}

    public var snapshot: [ModelStatus] { models.withLock { $0 } }

    func add(model: String, referenceVersion: String, modelVersion: String? = nil) {
        models.withLock { $0.append(ModelStatus(model: model, referenceVersion: referenceVersion, modelVersion: modelVersion)) }
    }

    func update(model: String, _ change: (inout ModelStatus) -> Void) {
        models.withLock { models in
            if let index = models.firstIndex(where: { $0.model == model }) { change(&models[index]) }
        }
    }
}
