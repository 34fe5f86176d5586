/// The model's performance on its labelled reference: each metric over the whole reference,
/// and its mean and standard deviation over consecutive reference chunks of the window's
/// size, which set the default thresholds (NannyML's: the chunks' mean ± 3 standard
/// deviations, `ddof` 0). A remainder shorter than a chunk is left out of the chunks.
public struct PerformanceBaseline: Sendable, Hashable, Codable {
    public struct Spread: Sendable, Hashable, Codable {
        public var mean: Double
        public var standardDeviation: Double
    }

    public var task: ModelTask
    public var decisionThreshold: Double
    /// Records per chunk; the chunks' spread is nil with fewer than two chunks.
    public var chunkSize: Int
    public var chunks: Int
    public var values: [PerformanceMetric: Double]
    public var spreads: [PerformanceMetric: Spread]

    /// - Parameters: `labels` and `predictions` side by side, as ``PerformanceTally/add(label:prediction:)``
    ///   takes them; pairs it refuses are left out.
    public init(task: ModelTask, labels: [Double], predictions: [Double], chunkSize: Int, decisionThreshold: Double = 0.5) {
        precondition(labels.count == predictions.count, "one prediction per label")
        self.task = task
        self.decisionThreshold = decisionThreshold
        self.chunkSize = max(1, chunkSize)
        var whole = PerformanceTally(task: task, threshold: decisionThreshold)
        var chunkValues: [[PerformanceMetric: Double]] = []
        var chunk = whole
        for (label, prediction) in zip(labels, predictions) {
            guard chunk.add(label: label, prediction: prediction) else { continue }
            whole.add(label: label, prediction: prediction)
            if chunk.count == self.chunkSize {
                chunkValues.append(chunk.values)
                chunk = PerformanceTally(task: task, threshold: decisionThreshold)
            }
        }
        chunks = chunkValues.count
        values = whole.values
        var spreads: [PerformanceMetric: Spread] = [:]
        if chunkValues.count >= 2 {
            for metric in task.metrics {
                let finite = chunkValues.compactMap { $0[metric] }.filter { !$0.isNaN }
                guard finite.count >= 2 else { continue }
                let mean = finite.reduce(0, +) / Double(finite.count)
                let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count)
                spreads[metric] = Spread(mean: mean, standardDeviation: variance.squareRoot())
            }
        }
        self.spreads = spreads
    }
}
