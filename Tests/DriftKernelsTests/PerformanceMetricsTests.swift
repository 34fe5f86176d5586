import DriftKernels
import Foundation
import TestSupport
import Testing

/// Realised performance from mergeable tallies, against scikit-learn on the same records.
@Suite("Performance metrics against scikit-learn")
struct PerformanceMetricsTests {
    /// Calibrated binary predictions: scores from a skewed distribution, each label drawn with
    /// its score's probability. `grid` > 0 rounds scores to multiples of 1/grid (ties).
    static func binary(count: Int, seed: UInt64, grid: Int = 0) -> (labels: [Double], scores: [Double]) {
        var rng = SeededGenerator(seed: seed)
        var labels: [Double] = []
        var scores: [Double] = []
        for _ in 0..<count {
            var score = pow(Double.random(in: 0..<1, using: &rng), 1.6)
            if grid > 0 { score = (score * Double(grid)).rounded() / Double(grid) }
            scores.append(score)
            labels.append(Double.random(in: 0..<1, using: &rng) < score ? 1 : 0)
        }
        return (labels, scores)
    }

    static func oracle(_ command: String, _ samples: [[Double]], _ arguments: [String] = []) throws -> [String: Any] {
        try NumpyOracle.run(command, samples: samples, arguments: arguments, script: "performance_oracle.py")
    }

    @Test(
        "Binary: confusion metrics, log loss and ECE equal scikit-learn's; ROC-AUC within the stated bound, exact on a grid coarser than the bins",
        arguments: [(seed: UInt64(1), grid: 0, threshold: 0.5), (2, 0, 0.3), (3, 1000, 0.5), (4, 20, 0.7)])
    func binary(seed: UInt64, grid: Int, threshold: Double) throws {
        let (labels, scores) = Self.binary(count: 20_000, seed: seed, grid: grid)
        var tally = BinaryClassificationTally(threshold: threshold)
        for (label, score) in zip(labels, scores) { tally.add(positive: label == 1, score: score) }
        let expected = try Self.oracle("binary", [labels, scores], [String(threshold)])

        #expect(tally.count == 20_000)
        #expect(tally.accuracy == (try NumpyOracle.double(expected, "accuracy")))
        #expect(tally.precision == (try NumpyOracle.double(expected, "precision")))
        #expect(tally.recall == (try NumpyOracle.double(expected, "recall")))
        #expect(tally.f1 == (try NumpyOracle.double(expected, "f1")))
        #expect(abs(tally.logLoss - (try NumpyOracle.double(expected, "log_loss"))) < 1e-12)
        #expect(abs(tally.expectedCalibrationError - (try NumpyOracle.double(expected, "ece"))) < 1e-12)
        let auc = try NumpyOracle.double(expected, "roc_auc")
        let bound = tally.scores.aucErrorBound
        #expect(abs(tally.rocAUC - auc) <= bound + 1e-12, "AUC \(tally.rocAUC) against \(auc), bound \(bound)")
        if grid == 0 {
            #expect(bound < 1e-3, "continuous scores over 1,024 bins: \(bound)")
        } else {
            // At most one grid value per bin: the only pairs in one bin are ties, which both count one half.
            #expect(abs(tally.rocAUC - auc) < 1e-12)
        }
    }

    @Test("Binary: probabilities of exactly 0 and 1 are clipped in the log loss as scikit-learn clips them")
    func clippedLogLoss() throws {
        let labels: [Double] = [1, 0, 1, 0, 1, 0]
        let scores: [Double] = [0, 1, 1, 0, 0.5, 0.25]
        var tally = BinaryClassificationTally()
        for (label, score) in zip(labels, scores) { tally.add(positive: label == 1, score: score) }
        let expected = try Self.oracle("binary", [labels, scores], ["0.5"])
        #expect(abs(tally.logLoss - (try NumpyOracle.double(expected, "log_loss"))) < 1e-12)
        #expect(tally.logLoss > 10, "a confident wrong answer costs -log(ε)")
    }

    @Test("Multiclass: accuracy and macro precision, recall and F1, with a class never predicted")
    func multiclass() throws {
        var rng = SeededGenerator(seed: 7)
        var labels: [Double] = []
        var predictions: [Double] = []
        for _ in 0..<10_000 {
            let label = Int.random(in: 0..<5, using: &rng)
            // Right 60% of the time; class 4 is never predicted, class 3 is over-predicted.
            var predicted = Double.random(in: 0..<1, using: &rng) < 0.6 ? label : Int.random(in: 0..<4, using: &rng)
            if predicted == 4 { predicted = 3 }
            labels.append(Double(label))
            predictions.append(Double(predicted))
        }
        var tally = MulticlassTally()
        for (label, predicted) in zip(labels, predictions) { tally.add(label: Int(label), predicted: Int(predicted)) }
        let expected = try Self.oracle("multiclass", [labels, predictions])
        #expect(tally.classes == 5)
        #expect(tally.accuracy == (try NumpyOracle.double(expected, "accuracy")))
        for (value, key) in [(tally.macroPrecision, "precision"), (tally.macroRecall, "recall"), (tally.macroF1, "f1")] {
            #expect(abs(value - (try NumpyOracle.double(expected, key))) < 1e-15, "\(key)")
        }
    }

    @Test("Regression: MAE, RMSE, MAPE (labels of 0 included) and R²", arguments: [false, true])
    func regression(constantLabels: Bool) throws {
        var rng = SeededGenerator(seed: constantLabels ? 9 : 8)
        var labels: [Double] = []
        var predictions: [Double] = []
        for i in 0..<10_000 {
            let label = constantLabels ? 3.5 : (i % 97 == 0 ? 0 : rng.normal(mean: 50, standardDeviation: 20))
            labels.append(label)
            predictions.append(label + rng.normal(mean: 1, standardDeviation: 5))
        }
        var tally = RegressionTally()
        for (label, prediction) in zip(labels, predictions) { tally.add(label: label, predicted: prediction) }
        let expected = try Self.oracle("regression", [labels, predictions])
        for (value, key) in [
            (tally.meanAbsoluteError, "mae"), (tally.rootMeanSquaredError, "rmse"), (tally.meanAbsolutePercentageError, "mape"), (tally.r2, "r2"),
        ] {
            let oracle = try NumpyOracle.double(expected, key)
            #expect(abs(value - oracle) <= 1e-10 * max(1, abs(oracle)), "\(key): \(value) against \(oracle)")
        }
    }

    @Test("Tallies of a window's parts merge to the tally of the whole")
    func merging() {
        let (labels, scores) = Self.binary(count: 9_000, seed: 5)
        var whole = BinaryClassificationTally()
        var parts = [BinaryClassificationTally](repeating: BinaryClassificationTally(), count: 3)
        var regressionWhole = RegressionTally()
        var regressionParts = [RegressionTally](repeating: RegressionTally(), count: 3)
        var estimatedWhole = ExpectedConfusion()
        var estimatedParts = [ExpectedConfusion](repeating: ExpectedConfusion(), count: 3)
        for (i, (label, score)) in zip(labels, scores).enumerated() {
            whole.add(positive: label == 1, score: score)
            parts[i % 3].add(positive: label == 1, score: score)
            regressionWhole.add(label: label, predicted: score)
            regressionParts[i * 3 / labels.count].add(label: label, predicted: score)
            estimatedWhole.add(probability: score)
            estimatedParts[i % 3].add(probability: score)
        }
        var merged = parts[0]
        merged.merge(parts[1])
        merged.merge(parts[2])
        #expect(merged.truePositives == whole.truePositives && merged.trueNegatives == whole.trueNegatives)
        #expect(merged.scores == whole.scores, "histograms of counts sum exactly")
        #expect(merged.calibration.counts == whole.calibration.counts)
        #expect(abs(merged.logLoss - whole.logLoss) < 1e-12)
        var regression = regressionParts[0]
        regression.merge(regressionParts[1])
        regression.merge(regressionParts[2])
        #expect(abs(regression.r2 - regressionWhole.r2) < 1e-12)
        #expect(abs(regression.rootMeanSquaredError - regressionWhole.rootMeanSquaredError) < 1e-12)
        var estimated = estimatedParts[0]
        estimated.merge(estimatedParts[1])
        estimated.merge(estimatedParts[2])
        #expect(abs(estimated.accuracy - estimatedWhole.accuracy) < 1e-12)
        #expect(abs(estimated.rocAUC - estimatedWhole.rocAUC) < 1e-12)
    }
}
