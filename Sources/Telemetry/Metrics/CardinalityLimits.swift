/// How many models and features get their own series, so that a schema of thousands of
/// columns, or a configuration of hundreds of models, cannot swamp Prometheus.
///
/// Models and features past a limit are still monitored (windows, events, logs); only their
/// series are left out, and each left out is counted in
/// `driftwatch_cardinality_overflow_total{kind}`.
public struct CardinalityLimits: Sendable, Hashable {
    /// Models with series; further models export none.
    public var models: Int
    /// Features with series, per model, in schema order.
    public var featuresPerModel: Int

    public init(models: Int = 100, featuresPerModel: Int = 500) {
        self.models = models
        self.featuresPerModel = featuresPerModel
    }
}
