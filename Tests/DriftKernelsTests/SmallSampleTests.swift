import DriftKernels
import Foundation
import Testing
import TestSupport

/// What the decision relies on where samples are small or values extreme: pooled chi-square,
/// the unseen-category test, and moments that do not overflow.
@Suite("Small samples and extreme values")
struct SmallSampleTests {
    @Test("Pooled chi-square: the rare categories pooled, then scipy.stats.chisquare on the pooled counts")
    func pooledEqualsScipy() throws {
        // 30 current records: the categories expecting 3.1, 0.9, 1.2 and 0.3 are pooled into one bin expecting 5.5.
        let reference = [500, 300, 100, 30, 40, 10]
        let current = [14, 9, 3, 2, 1, 1]
        let pooled = ChiSquare.pooledTest(reference: reference, current: current)
        let expected = try NumpyOracle.run("chisquare", arguments: ["500", "300", "180", "--", "14", "9", "7"])
        #expect(pooled.degreesOfFreedom == 2)
        #expect(abs(pooled.statistic - (try NumpyOracle.double(expected, "statistic"))) <= 1e-12)
        #expect(abs(pooled.pvalue - (try NumpyOracle.double(expected, "pvalue"))) <= 1e-12)
        // With every category expecting five or more, nothing is pooled.
        #expect(ChiSquare.pooledTest(reference: [50, 30, 20], current: [60, 25, 15]) == ChiSquare.test(reference: [50, 30, 20], current: [60, 25, 15]))
        #expect(ChiSquare.pooledTest(reference: [990, 10], current: [3, 0]).pvalue == 1, "fewer than two bins: nothing to test")
    }

    @Test("At 30 records a rare category makes the unpooled p-value lie; the pooled one keeps its level")
    func pooledKeepsLevel() {
        // Exact reference shares; the current windows are drawn from them.
        let reference = [50_000, 30_000, 15_000, 4_800, 200]
        let cumulative = [0.5, 0.8, 0.95, 0.998, 1.0]
        var rng = SeededGenerator(seed: 4)
        let windows = 20_000
        var unpooled = 0
        var pooled = 0
        for _ in 0..<windows {
            var current = [0, 0, 0, 0, 0]
            for _ in 0..<30 {
                let u = Double.random(in: 0..<1, using: &rng)
                current[cumulative.firstIndex { u < $0 }!] += 1
            }
            if ChiSquare.test(reference: reference, current: current).pvalue < 1e-4 { unpooled += 1 }
            if ChiSquare.pooledTest(reference: reference, current: current).pvalue < 1e-4 { pooled += 1 }
        }
        // At level 1e-4 about 2 of 20,000 windows may reject; two records in the 0.2% category
        // (0.17% of windows) reject the unpooled test.
        #expect(unpooled >= 20, "unpooled \(unpooled)")
        #expect(pooled <= 8, "pooled \(pooled)")
    }

    @Test("Unseen categories: Good-Turing's mass and the Poisson tail equal scipy.stats.poisson.sf")
    func unseenCategories() throws {
        #expect(UnseenCategories.unseenMass(referenceCounts: [5, 1, 1, 3]) == 3.0 / 11)
        #expect(UnseenCategories.unseenMass(referenceCounts: [100]) == 1.0 / 101)
        let cases: [(unseen: Int, count: Int, mass: Double)] = [(1, 30, 0.001), (3, 1_000, 0.0005), (12, 1_000, 0.004), (40, 100_000, 0.0001), (2, 50, 0.3)]
        let expected = try NumpyOracle.doubles(
            try NumpyOracle.run("poisson-sf", arguments: cases.flatMap { ["\($0.unseen)", "\(Double($0.count) * $0.mass)"] }), "sf")
        for (testCase, reference) in zip(cases, expected) {
            let p = UnseenCategories.pvalue(unseen: testCase.unseen, count: testCase.count, mass: testCase.mass)
            #expect(abs(p - reference) <= 1e-12 + 1e-10 * reference, "\(testCase): \(p) vs \(reference)")
        }
        #expect(UnseenCategories.pvalue(unseen: 0, count: 10, mass: 0.5) == 1)
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
