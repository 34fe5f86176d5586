import DriftMonitor
import Prometheus

/// The performance series of one model with labels, created once when its tracker starts:
/// realised, estimated and reference values per metric, the joins by outcome, the predictions
/// waiting and the performance state.
public final class PerformanceMetrics: Sendable {
    let realised: [PerformanceMetric: Gauge]
    let estimated: [PerformanceMetric: Gauge]
    let reference: [PerformanceMetric: Gauge]
    let joined: Counter
    let expired: Counter
    let unmatched: Counter
    let late: Counter
    let waiting: Gauge
    let state: Gauge
    let board: StatusBoard
    let model: String

    init(registry: PrometheusCollectorRegistry, board: StatusBoard, model: String, task: ModelTask) {
        self.board = board
        self.model = model
        board.update(model: model) { $0.performance = StatusBoard.PerformanceStatus(metrics: task.metrics) }
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: MetricCatalogue.descriptor(name, help), labels: [("model", model)] + labels)
        }
        func gauges(_ name: String, _ help: String, _ metrics: [PerformanceMetric]) -> [PerformanceMetric: Gauge] {
            Dictionary(uniqueKeysWithValues: metrics.map { ($0, gauge(name, help, [("metric", $0.rawValue)])) })
        }
        realised = gauges("model_performance", "The model's realised performance on the last performance window whose labels came.", task.metrics)
        estimated = gauges(
            "model_performance_estimated", "The model's performance estimated from its scores (CBPE) on the last closed window, before labels.",
            task.estimatedMetrics)
        reference = gauges("model_performance_reference", "The model's performance on its labelled reference.", task.metrics)
        let joins = MetricCatalogue.descriptor("label_joins_total", "Predictions joined with their label, expired waiting, or late for a window already judged; labels with no prediction.")
        joined = registry.makeCounter(descriptor: joins, labels: [("model", model), ("outcome", "joined")])
        expired = registry.makeCounter(descriptor: joins, labels: [("model", model), ("outcome", "expired")])
        unmatched = registry.makeCounter(descriptor: joins, labels: [("model", model), ("outcome", "unmatched")])
        late = registry.makeCounter(descriptor: joins, labels: [("model", model), ("outcome", "late")])
        waiting = gauge("label_waiting_predictions", "Predictions waiting for their label.")
        state = gauge("performance_state", "Model performance state: 0 ok, 1 warning, 2 degraded.")
        for gauge in realised.values { gauge.set(.nan) }
        for gauge in estimated.values { gauge.set(.nan) }
    }

    public func setReference(_ values: [PerformanceMetric: Double]) {
        for (metric, gauge) in reference { gauge.set(values[metric] ?? .nan) }
        board.update(model: model) { $0.performance?.reference = values }
    }

    public func setRealised(_ values: [PerformanceMetric: Double]) {
        for (metric, gauge) in realised { gauge.set(values[metric] ?? .nan) }
        board.update(model: model) { $0.performance?.realised = values }
    }

    public func setEstimated(_ values: [PerformanceMetric: Double]) {
        for (metric, gauge) in estimated { gauge.set(values[metric] ?? .nan) }
        board.update(model: model) { $0.performance?.estimated = values }
    }

    public func count(joined: Int, expired: Int, unmatched: Int, late: Int = 0, waiting: Int) {
        if joined > 0 { self.joined.increment(by: Int64(joined)) }
        if late > 0 { self.late.increment(by: Int64(late)) }
        if expired > 0 { self.expired.increment(by: Int64(expired)) }
        if unmatched > 0 { self.unmatched.increment(by: Int64(unmatched)) }
        self.waiting.set(Double(waiting))
        board.update(model: model) { $0.performance?.waiting = waiting }
    }

    public func setState(_ state: DriftStateMachine.State) {
        self.state.set(Double(state.gauge))
        board.update(model: model) { $0.performance?.state = state.gauge }
    }
}

extension MetricCatalogue {
    /// The performance series of `model`; create once, for a model with labels.
    public func makePerformanceMetrics(model: String, task: ModelTask) -> PerformanceMetrics {
        PerformanceMetrics(registry: registry, board: board, model: model, task: task)
    }
}
