import DriftKernels

/// A window's predictions and labels, summed for the metrics of the model's task.
/// Mergeable: summaries of parts of a window merge to the summary of the whole.
public enum PerformanceTally: Sendable, Hashable, Codable {
    case binary(BinaryClassificationTally)
    case multiclass(MulticlassTally)
    case regression(RegressionTally)

    /// - Parameter threshold: binary only: a score at or above it predicts the positive class.
    public init(task: ModelTask, threshold: Double = 0.5) {
        switch task {
        case .binary: self = .binary(BinaryClassificationTally(threshold: threshold))
        case .multiclass: self = .multiclass(MulticlassTally())
        case .regression: self = .regression(RegressionTally())
        }
    }

    public var task: ModelTask {
        switch self {
        case .binary: .binary
        case .multiclass: .multiclass
        case .regression: .regression
        }
    }

    public var count: Int {
        switch self {
        case .binary(let tally): tally.count
        case .multiclass(let tally): tally.count
        case .regression(let tally): tally.count
        }
    }

    /// One labelled prediction. Binary: `label` 0 or 1, `prediction` the score in [0, 1];
    /// multiclass: both class indexes; regression: both values. Returns false, counting
    /// nothing, for values the task cannot take (NaN, a score outside [0, 1], a label that
    /// is not a class).
    @discardableResult
    public mutating func add(label: Double, prediction: Double) -> Bool {
        guard label.isFinite, prediction.isFinite else { return false }
        // Each case takes its tally out and leaves a placeholder, so that the tally's arrays
        // are uniquely referenced while they change (no copy per record).
        switch self {
        case .binary(var tally):
            guard label == 0 || label == 1, (0...1).contains(prediction) else { return false }
            self = .regression(RegressionTally())
            tally.add(positive: label == 1, score: prediction)
            self = .binary(tally)
        case .multiclass(var tally):
            guard label >= 0, prediction >= 0, label < 65_536, prediction < 65_536, label == label.rounded(), prediction == prediction.rounded()
            else { return false }
            self = .regression(RegressionTally())
            tally.add(label: Int(label), predicted: Int(prediction))
            self = .multiclass(tally)
        case .regression(var tally):
            tally.add(label: label, predicted: prediction)
            self = .regression(tally)
        }
        return true
    }

    /// Adds `other`, of the same task.
    public mutating func merge(_ other: PerformanceTally) {
        switch (self, other) {
        case (.binary(var a), .binary(let b)):
            self = .regression(RegressionTally())
            a.merge(b)
            self = .binary(a)
        case (.multiclass(var a), .multiclass(let b)):
            self = .regression(RegressionTally())
            a.merge(b)
            self = .multiclass(a)
        case (.regression(var a), .regression(let b)):
            a.merge(b)
            self = .regression(a)
        default:
            preconditionFailure("performance tallies of different tasks do not merge")
        }
    }

    /// The value of `metric`, NaN where it is undefined (no records; ROC-AUC with one class).
    public func value(of metric: PerformanceMetric) -> Double {
        switch (self, metric) {
        case (.binary(let t), .accuracy): t.accuracy
        case (.binary(let t), .precision): t.precision
        case (.binary(let t), .recall): t.recall
        case (.binary(let t), .f1): t.f1
        case (.binary(let t), .rocAUC): t.rocAUC
        case (.binary(let t), .logLoss): t.logLoss
        case (.binary(let t), .ece): t.expectedCalibrationError
        case (.multiclass(let t), .accuracy): t.accuracy
        case (.multiclass(let t), .precision): t.macroPrecision
        case (.multiclass(let t), .recall): t.macroRecall
        case (.multiclass(let t), .f1): t.macroF1
        case (.regression(let t), .mae): t.meanAbsoluteError
        case (.regression(let t), .rmse): t.rootMeanSquaredError
        case (.regression(let t), .mape): t.meanAbsolutePercentageError
        case (.regression(let t), .r2): t.r2
        default: .nan
        }
    }

    /// Every metric of the task with its value.
    public var values: [PerformanceMetric: Double] {
        Dictionary(uniqueKeysWithValues: task.metrics.map { ($0, value(of: $0)) })
    }
}

extension ExpectedConfusion {
    /// The estimate of `metric`, NaN for a metric CBPE does not estimate.
    public func value(of metric: PerformanceMetric) -> Double {
        switch metric {
        case .accuracy: accuracy
        case .precision: precision
        case .recall: recall
        case .f1: f1
        case .rocAUC: rocAUC
        default: .nan
        }
    }
}
