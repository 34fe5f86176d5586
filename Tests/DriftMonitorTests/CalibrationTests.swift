import DriftKernels
import DriftMonitor
import Foundation
import Testing
import TestSupport

/// The default decision on clean traffic at small windows, on long-tailed categories, and on
/// windows too small to judge. `make bench-calibration` measures the same at scale.
@Suite("Calibrated decisions")
struct CalibrationTests {
    @Test("Clean 30-record windows flag a feature in under 1.5% of 1,000 windows (the old rule: about 10%)")
    func smallCleanWindows() throws {
        let (monitor, space) = try DecisionRuleTests.monitor(windowRecords: 30)
        var flagged = 0
        for seed in 0..<1_000 {
            let report = DecisionRuleTests.window(monitor, space: space, records: 30, shift: 0, seed: UInt64(5_000 + seed))
            #expect(report.judged)
            if report.level > .ok { flagged += 1 }
        }
        // Holm at 0.005: about 5 expected; p < 0.05 uncorrected flagged 60-100 here.
        #expect(flagged <= 15, "\(flagged) of 1,000 clean windows flagged")
    }

    @Test("A window below the minimum is reported, not judged; from the minimum on it is", arguments: [(20, false), (30, true)])
    func tooSmallToJudge(records: Int, judged: Bool) throws {
        let (monitor, space) = try DecisionRuleTests.monitor(windowRecords: records)
        #expect(monitor.policy.judgedWindowRecords == 30, "three records per PSI bin")
        let report = DecisionRuleTests.window(monitor, space: space, records: records, shift: 3, seed: 77)
        let x = try #require(report.features.first)
        #expect(report.judged == judged)
        #expect(x.score(.psi) != nil && (x.pvalue ?? 1) < 1e-4, "scores and p-values are reported either way")
        #expect(x.level == (judged ? .drift : .ok))
        #expect(monitor.stateMachine.state == (judged ? .warning(breachedStreak: 1) : .ok))
    }

    /// A reference of Zipf(1.3) over 2,000 categories: it misses some of the tail.
    static func longTail() throws -> (FeatureSpace, ReferenceProfile, [Double]) {
        let features = [Feature(name: "item", kind: .categorical)]
        var space = FeatureSpace()
        try space.declare(features)
        let weights = (1...2_000).map { 1 / pow(Double($0), 1.3) }
        let total = weights.reduce(0, +)
        var running = 0.0
        let cumulative = weights.map { running += $0 / total; return running }
        for k in 0..<2_000 { _ = space.dictionaries[0].code(for: "k\(k)") }
        var rng = SeededGenerator(seed: 12)
        var batch = RecordBatch(numericColumns: 0, categoricalColumns: 1, capacity: 20_000)
        var row = DecodedRow(space: space)
        for _ in 0..<20_000 {
            row.categorical[0] = Self.draw(cumulative, &rng)
            batch.append(row, numericSources: [], categoricalSources: [0])
        }
        let reference = ReferenceProfile(model: "m", features: features, batch: batch, dictionaries: space.dictionaries)
        return (space, reference, cumulative)
    }

    static func draw(_ cumulative: [Double], _ rng: inout SeededGenerator) -> Int32 {
        let u = Double.random(in: 0..<1, using: &rng)
        return Int32(min(cumulative.firstIndex { u < $0 } ?? cumulative.count - 1, cumulative.count - 1))
    }

    @Test("A long tail's unseen categories do not flag clean windows; a new category in a fifth of the records does")
    func unseenCategories() throws {
        let (space, reference, cumulative) = try Self.longTail()
        let seen = reference.features[0].categories!.count
        #expect(seen < 2_000, "the reference misses part of the tail (\(seen) seen)")
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: 1_000, space: space)
        var rng = SeededGenerator(seed: 13)
        var row = DecodedRow(space: space)
        var flagged = 0
        var withUnseen = 0
        for _ in 0..<100 {
            for _ in 0..<1_000 {
                row.categorical[0] = Self.draw(cumulative, &rng)
                monitor.append(row, eventTime: nil)
            }
            let report = monitor.closeWindow(space: space).report
            if report.features[0].newCategoryRatio > 0 { withUnseen += 1 }
            if report.level > .ok { flagged += 1 }
        }
        #expect(withUnseen >= 50, "most clean windows bring a category the reference never saw (\(withUnseen))")
        #expect(flagged <= 2, "\(flagged) of 100 clean windows flagged")
        var grown = space
        let newCode = grown.dictionaries[0].code(for: "brand-new")
        for i in 0..<1_000 {
            row.categorical[0] = i % 5 == 0 ? newCode : Self.draw(cumulative, &rng)
            monitor.append(row, eventTime: nil)
        }
        let drifted = monitor.closeWindow(space: grown).report.features[0]
        #expect(drifted.level == .drift && drifted.newCategoryRatio >= 0.2 && drifted.pvalue! < 1e-10, "\(drifted.level) \(drifted.newCategoryRatio) \(drifted.pvalue ?? -1)")
    }

    @Test("Values near 1e155: the profile's moments stay finite and encode, the PCA is fit or skipped with a reason, compare judges")
    func hugeValues() throws {
        let features = [Feature(name: "a", kind: .numeric), Feature(name: "b", kind: .numeric), Feature(name: "c", kind: .numeric)]
        var space = FeatureSpace()
        try space.declare(features)
        var rng = SeededGenerator(seed: 31)
        func batch(_ rows: Int) -> RecordBatch {
            var batch = RecordBatch(numericColumns: 3, categoricalColumns: 0, capacity: rows)
            var row = DecodedRow(space: space)
            for _ in 0..<rows {
                row.numeric[0] = rng.normal() * 1e155
                row.numeric[1] = rng.normal() * 1e300 + 1e307
                row.numeric[2] = rng.normal()
                batch.append(row, numericSources: [0, 1, 2], categoricalSources: [])
            }
            return batch
        }
        let reference = batch(2_000)
        let profile = ReferenceProfile(model: "m", features: features, batch: reference, dictionaries: [])
        let moments = try #require(profile.features[0].moments)
        #expect(abs(moments.standardDeviation / 1e155 - 1) < 0.05)
        #expect(profile.features[1].moments!.standardDeviation.isFinite)
        let encoded = try JSONEncoder().encode(profile)
        #expect(try JSONDecoder().decode(ReferenceProfile.self, from: encoded) == profile)
        #expect((profile.multivariate == nil) == (profile.multivariateSkipped != nil))
        if let multivariate = profile.multivariate {
            #expect(multivariate.referenceMean.isFinite && multivariate.referenceDeviation.isFinite)
        }
        let comparison = try Comparison(
            features: features, reference: reference, referenceDictionaries: [], current: batch(500), currentDictionaries: [],
            policy: DriftPolicy())
        #expect(comparison.report.judged && comparison.report.driftedFeatures.isEmpty)
    }
}

