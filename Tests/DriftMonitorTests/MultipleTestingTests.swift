import DriftKernels
import DriftMonitor
import Foundation
import Testing
import TestSupport

/// Bonferroni, Holm and Benjamini-Hochberg over a window's per-feature p-values.
@Suite("Multiple-testing correction")
struct MultipleTestingTests {
    @Test("Benjamini-Hochberg equals scipy's false_discovery_control(method='bh')", arguments: [2, 7, 50, 400])
    func benjaminiHochberg(count: Int) throws {
        try compareWithOracle(.benjaminiHochberg, command: "fdr", count: count)
    }

    @Test("Holm equals statsmodels' multipletests(method='holm')", arguments: [2, 7, 50, 400])
    func holm(count: Int) throws {
        try compareWithOracle(.holm, command: "holm", count: count)
    }

    private func compareWithOracle(_ correction: MultipleTesting, command: String, count: Int) throws {
        var rng = SeededGenerator(seed: UInt64(count))
        // Mostly uniform p-values, some tiny ones, and ties.
        var pvalues = (0..<count).map { i in i % 5 == 0 ? pow(10, -3 - 5 * Double.random(in: 0..<1, using: &rng)) : Double.random(in: 0..<1, using: &rng) }
        pvalues[count - 1] = pvalues[0]
        let expected = try NumpyOracle.doubles(try NumpyOracle.run(command, arguments: pvalues.map { "\($0)" }), "adjusted")
        let adjusted = correction.adjust(pvalues)
        #expect(adjusted.count == expected.count)
        for (value, reference) in zip(adjusted, expected) {
            #expect(abs(value! - reference) <= 1e-12 * max(1, reference))
        }
    }

    @Test("Features without a test are left out of the count; Bonferroni multiplies by the tests and caps at 1")
    func untestedFeatures() {
        let pvalues: [Double?] = [0.01, nil, 0.2, .nan, 0.03]
        let bonferroni = MultipleTesting.bonferroni.adjust(pvalues)
        for (index, raw) in [(0, 0.01), (2, 0.2), (4, 0.03)] {
            #expect(bonferroni[index] == raw * 3, "three tests, not five")
        }
        #expect(bonferroni[1] == nil && bonferroni[3]!.isNaN)
        #expect(MultipleTesting.bonferroni.adjust([0.5, 0.9]) == [1, 1])
        #expect(MultipleTesting.none.adjust(pvalues).map { $0 ?? -1 }.elementsEqual(pvalues.map { $0 ?? -1 }) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    @Test("A monitor's verdict uses the corrected p-value", arguments: [MultipleTesting.bonferroni, .holm, .benjaminiHochberg])
    func verdictUsesCorrection(correction: MultipleTesting) throws {
        // A 0.35-sigma shift of x in 120 records: x's p-value is small, y's is not.
        let (plain, space) = try DecisionRuleTests.monitor(windowRecords: 120)
        let raw = DecisionRuleTests.window(plain, space: space, records: 120, shift: 0.35, seed: 5)
        var policy = DriftPolicy()
        policy.correction = correction
        let corrected = try Monitor(model: "m", reference: plain.reference, policy: policy, windowRecords: 120, space: space)
        let report = DecisionRuleTests.window(corrected, space: space, records: 120, shift: 0.35, seed: 5)
        let expected = correction.adjust(raw.features.map(\.uncorrectedPValue))
        #expect(report.features.map(\.pvalue) == expected)
        #expect(report.features.map(\.uncorrectedPValue) == raw.features.map(\.uncorrectedPValue))
        #expect(expected[0]! > raw.features[0].uncorrectedPValue!)
        for feature in report.features {
            #expect(feature.level == policy.verdict(scores: feature.scores, pvalue: feature.pvalue).level)
        }
    }
}
