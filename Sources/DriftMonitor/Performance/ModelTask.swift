/// What a model predicts, which decides the performance metrics it is judged by.
public enum ModelTask: String, Sendable, Hashable, Codable, CaseIterable {
    /// The prediction is the positive class's probability; a class is a score at or above
    /// the decision threshold.
    case binary
    /// The prediction is the class.
    case multiclass
    /// The prediction is the value.
    case regression

    /// The metrics of this task, in the order they are reported.
    public var metrics: [PerformanceMetric] {
        switch self {
        case .binary: [.accuracy, .precision, .recall, .f1, .rocAUC, .logLoss, .ece]
        case .multiclass: [.accuracy, .precision, .recall, .f1]
        case .regression: [.mae, .rmse, .mape, .r2]
        }
    }

    /// The metrics estimated before labels come (confidence-based, binary only).
    public var estimatedMetrics: [PerformanceMetric] {
        self == .binary ? [.accuracy, .precision, .recall, .f1, .rocAUC] : []
    }
}

/// A performance metric, named as in the `metric` label and `compare`'s JSON. For multiclass
/// models precision, recall and F1 are macro averages.
public enum PerformanceMetric: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case accuracy, precision, recall, f1
    case rocAUC = "roc_auc"
    case logLoss = "log_loss"
    case ece, mae, rmse, mape, r2

    /// Whether a larger value is a better model.
    public var higherIsBetter: Bool {
        switch self {
        case .accuracy, .precision, .recall, .f1, .rocAUC, .r2: true
        case .logLoss, .ece, .mae, .rmse, .mape: false
        }
    }

    /// The values the metric can take: a threshold is kept inside.
    var range: ClosedRange<Double> {
        switch self {
        case .accuracy, .precision, .recall, .f1, .rocAUC, .ece: 0...1
        case .logLoss, .mae, .rmse, .mape: 0...Double.greatestFiniteMagnitude
        case .r2: -Double.greatestFiniteMagnitude...1
        }
    }

    public static func < (a: PerformanceMetric, b: PerformanceMetric) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
