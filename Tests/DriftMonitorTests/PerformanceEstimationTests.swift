import DriftKernels
import DriftMonitor
import Foundation
import TestSupport
import Testing

/// Estimated performance (CBPE) and the default thresholds, against nannyml on the same records.
@Suite("Performance estimation and thresholds against nannyml")
struct PerformanceEstimationTests {
    /// Calibrated binary predictions; a larger `skew` pushes the scores towards 0.
    static func records(count: Int, seed: UInt64, skew: Double) -> (labels: [Double], scores: [Double]) {
        var rng = SeededGenerator(seed: seed)
        var labels: [Double] = []
        var scores: [Double] = []
        for _ in 0..<count {
            let score = pow(Double.random(in: 0..<1, using: &rng), skew)
            scores.append(score)
            labels.append(Double.random(in: 0..<1, using: &rng) < score ? 1 : 0)
        }
        return (labels, scores)
    }

    static let chunk = 2_000
    static let binaryMetrics: [PerformanceMetric] = [.accuracy, .precision, .recall, .f1, .rocAUC]

    @Test("CBPE per chunk equals nannyml's estimate: confusion metrics to 1e-9, ROC-AUC within the histogram's bound")
    func confidenceBased() throws {
        let reference = Self.records(count: 20_000, seed: 11, skew: 1.5)
        // The analysis drifts towards low scores: fewer positives predicted, recall falls.
        let analysis = Self.records(count: 5 * Self.chunk, seed: 12, skew: 2.5)
        let expected = try NumpyOracle.run(
            "cbpe", samples: [reference.labels, reference.scores, analysis.scores], arguments: [String(Self.chunk), "0.5"],
            script: "performance_oracle.py")
        for metric in Self.binaryMetrics {
            let estimates = try NumpyOracle.doubles(expected, metric.rawValue)
            #expect(estimates.count == 5)
            for (index, estimate) in estimates.enumerated() {
                var confusion = ExpectedConfusion()
                for score in analysis.scores[index * Self.chunk..<(index + 1) * Self.chunk] { confusion.add(probability: score) }
                let value = confusion.value(of: metric)
                let tolerance = metric == .rocAUC ? confusion.scores.aucErrorBound + 1e-4 : 1e-9
                #expect(abs(value - estimate) <= tolerance, "\(metric) chunk \(index): \(value) against nannyml's \(estimate)")
            }
        }
    }

    @Test("Default thresholds: the reference chunks' mean less 3 standard deviations, as nannyml's performance calculator sets them")
    func thresholds() throws {
        let reference = Self.records(count: 20_000, seed: 13, skew: 1.5)
        let expected = try NumpyOracle.run(
            "thresholds", samples: [reference.labels, reference.scores], arguments: [String(Self.chunk), "0.5"], script: "performance_oracle.py")
        let baseline = PerformanceBaseline(task: .binary, labels: reference.labels, predictions: reference.scores, chunkSize: Self.chunk)
        #expect(baseline.chunks == 10)
        let policy = PerformancePolicy()
        for metric in Self.binaryMetrics {
            let entry = try #require(expected[metric.rawValue] as? [String: Any])
            let lower = try NumpyOracle.double(entry, "lower")
            let threshold = try #require(policy.threshold(of: metric, baseline: baseline))
            // ROC-AUC per chunk carries the histogram's error, which the spread averages over.
            let tolerance = metric == .rocAUC ? 2e-3 : 1e-12
            #expect(abs(threshold - lower) <= tolerance, "\(metric): \(threshold) against nannyml's \(lower)")
        }
    }

    @Test("A window is degraded on the metrics worse than their thresholds; rules of its own per metric")
    func breaches() {
        let reference = Self.records(count: 20_000, seed: 14, skew: 1.5)
        let baseline = PerformanceBaseline(task: .binary, labels: reference.labels, predictions: reference.scores, chunkSize: Self.chunk)
        // The same scores with labels no longer following them: the model got worse.
        let current = Self.records(count: Self.chunk, seed: 15, skew: 1.5)
        var worse = PerformanceTally(task: .binary)
        var rng = SeededGenerator(seed: 16)
        for score in current.scores { worse.add(label: Double.random(in: 0..<1, using: &rng) < 0.4 ? 1 : 0, prediction: score) }
        var same = PerformanceTally(task: .binary)
        for (label, score) in zip(current.labels, current.scores) { same.add(label: label, prediction: score) }

        let policy = PerformancePolicy()
        #expect(policy.breaches(of: same.values, baseline: baseline).isEmpty, "\(policy.breaches(of: same.values, baseline: baseline))")
        let breaches = policy.breaches(of: worse.values, baseline: baseline)
        #expect(Set(breaches.map(\.metric)).isSuperset(of: [.accuracy, .rocAUC, .logLoss]), "\(breaches.map(\.metric))")
        for breach in breaches {
            #expect(breach.metric.higherIsBetter ? breach.value < breach.threshold : breach.value > breach.threshold)
            #expect(breach.reference == baseline.values[breach.metric])
        }

        // Per-metric rules: an absolute floor no window reaches, a relative one nothing breaks.
        let strict = PerformancePolicy(rules: [.accuracy: .absolute(0.99), .rocAUC: .relative(0.9)])
        let strictBreaches = strict.breaches(of: same.values, baseline: baseline)
        #expect(strictBreaches.map(\.metric) == [.accuracy])
        #expect(strictBreaches.first?.threshold == 0.99)
        #expect(abs(strict.threshold(of: .rocAUC, baseline: baseline)! - baseline.values[.rocAUC]! * 0.1) < 1e-15)
        // Too few chunks for a spread: no default threshold rather than a made-up one.
        let short = PerformanceBaseline(task: .binary, labels: reference.labels, predictions: reference.scores, chunkSize: 15_000)
        #expect(short.chunks == 1)
        #expect(policy.threshold(of: .accuracy, baseline: short) == nil)
    }

    @Test("A tally refuses what its task cannot take, and counts nothing for it")
    func refusals() {
        var binary = PerformanceTally(task: .binary)
        let binaryTaken = [(2.0, 0.5), (1, 1.5), (.nan, 0.5), (1, 0.5)].map { binary.add(label: $0.0, prediction: $0.1) }
        #expect(binaryTaken == [false, false, false, true])
        var multiclass = PerformanceTally(task: .multiclass)
        let multiclassTaken = [(1.5, 1.0), (-1, 1), (3, 1)].map { multiclass.add(label: $0.0, prediction: $0.1) }
        #expect(multiclassTaken == [false, false, true])
        #expect(binary.count == 1 && multiclass.count == 1)
        #expect(multiclass.value(of: .rocAUC).isNaN, "not a multiclass metric")
    }
}
