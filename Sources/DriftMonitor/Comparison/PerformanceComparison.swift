import DriftKernels

/// The model's performance on the current records against its labelled reference, for
/// `compare --task`: realised where the current records carry labels, estimated (CBPE) for a
/// binary model whatever they carry, judged by a ``PerformancePolicy`` whose default
/// thresholds come from reference chunks of the current data's size.
public struct PerformanceComparison: Sendable {
    public var baseline: PerformanceBaseline
    /// Realised on the current records with a label; nil when none has one.
    public var current: [PerformanceMetric: Double]?
    public var currentLabelled: Int
    /// Estimated before labels, for binary models.
    public var estimated: [PerformanceMetric: Double]?
    /// On the realised metrics where there are labels, else on the estimated ones.
    public var breaches: [PerformanceBreach]
    public var policy: PerformancePolicy

    public var degraded: Bool { !breaches.isEmpty }

    /// - Parameters: labels and predictions as ``PerformanceTally/add(label:prediction:)`` takes them.
    public init(
        task: ModelTask, referenceLabels: [Double], referencePredictions: [Double], currentLabels: [Double], currentPredictions: [Double],
        decisionThreshold: Double = 0.5, policy: PerformancePolicy = PerformancePolicy()
    ) {
        var realised = PerformanceTally(task: task, threshold: decisionThreshold)
        var confusion = ExpectedConfusion(threshold: decisionThreshold)
        var predictions = 0
        for (label, prediction) in zip(currentLabels, currentPredictions) where !prediction.isNaN {
            predictions += 1
            realised.add(label: label, prediction: prediction)
            if task == .binary, (0...1).contains(prediction) { confusion.add(probability: prediction) }
        }
        baseline = PerformanceBaseline(
            task: task, labels: referenceLabels, predictions: referencePredictions, chunkSize: predictions,
            decisionThreshold: decisionThreshold)
        currentLabelled = realised.count
        current = realised.count > 0 ? realised.values : nil
        estimated = task == .binary && confusion.count > 0
            ? Dictionary(uniqueKeysWithValues: task.estimatedMetrics.map { ($0, confusion.value(of: $0)) }) : nil
        self.policy = policy
        let judged = current ?? estimated
        breaches = judged.map { [baseline] in policy.breaches(of: $0, baseline: baseline) } ?? []
    }
}

extension PerformanceComparison {
    /// Writes the `"performance"` object of `compare`'s JSON.
    package func write(into json: inout JSONWriter) {
        func metrics(_ values: [PerformanceMetric: Double]?) {
            json.beginObject()
            for (metric, value) in (values ?? [:]).sorted(by: { $0.key < $1.key }) { json.field(metric.rawValue, value) }
            json.endObject()
        }
        json.beginObject()
        json.field("task", baseline.task.rawValue)
        json.field("reference_chunks", baseline.chunks)
        json.field("chunk_size", baseline.chunkSize)
        json.field("current_labelled", currentLabelled)
        json.key("reference")
        metrics(baseline.values)
        json.key("current")
        metrics(current)
        json.key("estimated")
        metrics(estimated)
        json.key("thresholds")
        metrics(Dictionary(uniqueKeysWithValues: baseline.task.metrics.compactMap { m in policy.threshold(of: m, baseline: baseline).map { (m, $0) } }))
        json.key("degraded")
        json.value(degraded)
        json.key("breaches")
        json.beginArray()
        for breach in breaches { breach.write(into: &json) }
        json.endArray()
        json.endObject()
    }

    /// Lines for `compare`'s table.
    public func table() -> String {
        func number(_ value: Double?) -> String {
            guard let value, !value.isNaN else { return "-" }
            return String((value * 10_000).rounded() / 10_000)
        }
        let header = ["metric", "reference", "threshold", "current", "estimated", "verdict"]
        let rows = baseline.task.metrics.map { metric in
            [
                metric.rawValue, number(baseline.values[metric]), number(policy.threshold(of: metric, baseline: baseline)),
                number(current?[metric]), number(estimated?[metric]), breaches.contains { $0.metric == metric } ? "DEGRADED" : "ok",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  ")
        }
        var text = "performance (\(baseline.task.rawValue)): \(currentLabelled) current records labelled; "
        text += "thresholds from \(baseline.chunks) reference chunks of \(baseline.chunkSize)\n"
        text += line(header) + "\n"
        for row in rows { text += line(row) + "\n" }
        return text
    }
}
