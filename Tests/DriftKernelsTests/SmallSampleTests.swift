import DriftKernels
import Foundation
import Testing
import TestSupport

/// What the decision relies on where samples are small or values extreme: the pooled
/// chi-square test of homogeneity, and moments that do not overflow.
@Suite("Small samples and extreme values")
struct SmallSampleTests {
    @Test("Chi-square homogeneity: rare categories pooled, then scipy.stats.chi2_contingency on the pooled table")
    func homogeneityEqualsScipy() throws {
        // 30 current records: the categories expecting 3.1, 0.9, 1.2 and 0.3 are pooled into one bin expecting 5.5.
        let pooled = ChiSquare.homogeneityTest(reference: [500, 300, 100, 30, 40, 10], current: [14, 9, 3, 2, 1, 1])
        try expectContingency(pooled, reference: [500, 300, 180], current: [14, 9, 7])
        // With every category expecting five or more, nothing is pooled.
        try expectContingency(ChiSquare.homogeneityTest(reference: [50, 30, 20], current: [60, 25, 15]), reference: [50, 30, 20], current: [60, 25, 15])
        // The pooled bin (expecting 1.8 + 0.6 + 0.6) still short of five joins the smallest other bin.
        try expectContingency(
            ChiSquare.homogeneityTest(reference: [600, 300, 60, 20, 20], current: [20, 8, 1, 1, 0]), reference: [600, 400], current: [20, 10])
        #expect(ChiSquare.homogeneityTest(reference: [990, 10], current: [3, 0]).pvalue == 1, "fewer than two bins: nothing to test")
    }

    private func expectContingency(_ result: ChiSquare.Result, reference: [Int], current: [Int]) throws {
        let expected = try NumpyOracle.run("chi2-contingency", arguments: reference.map(String.init) + ["--"] + current.map(String.init))
        #expect(result.degreesOfFreedom == reference.count - 1)
        #expect(abs(result.statistic - (try NumpyOracle.double(expected, "statistic"))) <= 1e-12 * max(1, result.statistic))
        #expect(abs(result.pvalue - (try NumpyOracle.double(expected, "pvalue"))) <= 1e-12)
    }

    /// Clean windows drawn from the shares of `cumulative`, with the share of them each test rejects at `level`.
    private func rejections(
        reference: [Int], cumulative: [Double], records: Int, windows: Int, level: Double, seed: UInt64
    ) -> (goodnessOfFit: Int, homogeneity: Int) {
        var rng = SeededGenerator(seed: seed)
        var goodnessOfFit = 0
        var homogeneity = 0
        for _ in 0..<windows {
            var current = [Int](repeating: 0, count: cumulative.count)
            for _ in 0..<records {
                let u = Double.random(in: 0..<1, using: &rng)
                current[cumulative.firstIndex { u < $0 } ?? cumulative.count - 1] += 1
            }
            if ChiSquare.test(reference: reference, current: current).pvalue < level { goodnessOfFit += 1 }
            if ChiSquare.homogeneityTest(reference: reference, current: current).pvalue < level { homogeneity += 1 }
        }
        return (goodnessOfFit, homogeneity)
    }

    @Test("At 30 records a rare category makes the unpooled p-value lie; the pooled one keeps its level")
    func pooledKeepsLevel() {
        // Reference shares known almost exactly (100,000 records).
        let rejected = rejections(
            reference: [50_000, 30_000, 15_000, 4_800, 200], cumulative: [0.5, 0.8, 0.95, 0.998, 1.0], records: 30, windows: 20_000,
            level: 1e-4, seed: 4)
        // At 1e-4 about 2 of 20,000 windows may reject; two records in the 0.2% category
        // (0.17% of windows) reject the goodness of fit.
        #expect(rejected.goodnessOfFit >= 20, "goodness of fit \(rejected.goodnessOfFit)")
        #expect(rejected.homogeneity <= 8, "homogeneity \(rejected.homogeneity)")
    }

    @Test("A window half the reference's size over 300 categories: goodness of fit rejects clean windows, homogeneity keeps its level")
    func homogeneityCountsTheReferenceNoise() {
        var rng = SeededGenerator(seed: 6)
        let shares = (1...300).map { 1 / pow(Double($0), 0.8) }
        let total = shares.reduce(0, +)
        var running = 0.0
        let cumulative = shares.map { running += $0 / total; return running }
        var reference = [Int](repeating: 0, count: 300)
        for _ in 0..<20_000 {
            let u = Double.random(in: 0..<1, using: &rng)
            reference[cumulative.firstIndex { u < $0 } ?? 299] += 1
        }
        let rejected = rejections(reference: reference, cumulative: cumulative, records: 10_000, windows: 200, level: 1e-3, seed: 7)
        #expect(rejected.goodnessOfFit >= 100, "goodness of fit \(rejected.goodnessOfFit) of 200")
        #expect(rejected.homogeneity <= 3, "homogeneity \(rejected.homogeneity) of 200")
    }

    @Test("Moments of values near 1e200 stay finite and equal numpy's in long double", arguments: [1e155, 1e200, 1e300])
    func hugeMoments(scale: Double) throws {
        var rng = SeededGenerator(seed: 8)
        let values = (0..<5_000).map { _ in (rng.normal() + Double.random(in: 0..<1, using: &rng) * 2) * scale + 3 * scale / 4 }
        var whole = Moments()
        values.withUnsafeBufferPointer { whole.add($0) }
        var split = Moments()
        values[..<1_234].withUnsafeBufferPointer { split.add($0) }
        var rest = Moments()
        values[1_234...].withUnsafeBufferPointer { rest.add($0) }
        split = split.merging(rest)
        let expected = try NumpyOracle.run("moments-long", samples: [values])
        for moments in [whole, split] {
            #expect(moments.standardDeviation.isFinite && moments.skewness.isFinite && moments.kurtosis.isFinite)
            #expect(abs(moments.mean / (try NumpyOracle.double(expected, "mean")) - 1) <= 1e-12)
            #expect(abs(moments.standardDeviation / (try NumpyOracle.double(expected, "std")) - 1) <= 1e-12)
            #expect(abs(moments.skewness - (try NumpyOracle.double(expected, "skew"))) <= 1e-10)
            #expect(abs(moments.kurtosis - (try NumpyOracle.double(expected, "kurtosis"))) <= 1e-10)
        }
        // A profile is JSON: the sums must encode (an infinite m2 did not).
        let decoded = try JSONDecoder().decode(Moments.self, from: try JSONEncoder().encode(whole))
        #expect(decoded == whole)
        // Merged with moments of ordinary values, the huge ones decide the unit.
        var small = Moments()
        [1.0, 2, 3].withUnsafeBufferPointer { small.add($0) }
        #expect(small.merging(whole).standardDeviation.isFinite && whole.merging(small).count == 5_003)
    }

    @Test("Ordinary values are not scaled: profiles written before scaling decode as they were")
    func ordinaryUnscaled() throws {
        var moments = Moments()
        [1.0, 2, 4, 8].withUnsafeBufferPointer { moments.add($0) }
        #expect(moments.scaleExponent == 0)
        let json = String(decoding: try JSONEncoder().encode(moments), as: UTF8.self)
        #expect(!json.contains("scale_exponent"))
        let old = #"{"count":4,"mean":3.75,"m2":28.75,"m3":50.625,"m4":392.828125,"min":1,"max":8}"#
        let decoded = try JSONDecoder().decode(Moments.self, from: Data(old.utf8))
        #expect(decoded == moments && decoded.variance == 28.75 / 4)
    }
}
