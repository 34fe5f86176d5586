import DriftKernels
import Foundation
import Testing
import TestSupport

/// Mergeable summaries: the summary of a stream split anywhere and merged equals the summary
/// of the whole stream (exactly, or within the stated bound for the sketches).
@Suite("Mergeable summaries")
struct SummaryMergeTests {
    static let seeds: [UInt64] = [1, 2, 3, 4, 5]

    /// A stream cut at a random point into two parts.
    static func split(seed: UInt64, count: Int) -> (all: [Double], left: [Double], right: [Double]) {
        var rng = SeededGenerator(seed: seed)
        let all = (0..<count).map { _ in exp(rng.normal(mean: 1, standardDeviation: 0.7)) }
        let cut = Int.random(in: 0...count, using: &rng)
        return (all, Array(all[..<cut]), Array(all[cut...]))
    }

    @Test("Moments: merged halves equal the whole", arguments: seeds)
    func moments(seed: UInt64) {
        let (all, left, right) = Self.split(seed: seed, count: 30_000)
        var whole = Moments()
        all.withUnsafeBufferPointer { whole.add($0) }
        var a = Moments()
        var b = Moments()
        left.withUnsafeBufferPointer { a.add($0) }
        right.withUnsafeBufferPointer { b.add($0) }
        let merged = a.merging(b)
        #expect(merged.count == whole.count && merged.min == whole.min && merged.max == whole.max)
        #expect(abs(merged.mean - whole.mean) <= 1e-13 * abs(whole.mean))
        #expect(abs(merged.variance - whole.variance) <= 1e-12 * whole.variance)
        #expect(abs(merged.skewness - whole.skewness) <= 1e-10 * max(1, abs(whole.skewness)))
        #expect(abs(merged.kurtosis - whole.kurtosis) <= 1e-10 * max(1, abs(whole.kurtosis)))
    }

    @Test("Histograms over fixed edges: merged halves equal the whole", arguments: seeds)
    func histogram(seed: UInt64) {
        let (all, left, right) = Self.split(seed: seed, count: 20_000)
        let edges = BinEdges([0.5, 1, 2, 3, 5, 8, 13])
        let locator = BinLocator(edges: edges)
        var whole = Histogram(binCount: edges.binCount)
        var a = Histogram(binCount: edges.binCount)
        var b = Histogram(binCount: edges.binCount)
        all.withUnsafeBufferPointer { _ = whole.add($0, locator: locator) }
        left.withUnsafeBufferPointer { _ = a.add($0, locator: locator) }
        right.withUnsafeBufferPointer { _ = b.add($0, locator: locator) }
        a.merge(b)
        #expect(a.counts == whole.counts)
        for (x, y) in zip(a.sums, whole.sums) { #expect(abs(x - y) <= 1e-9 * max(1, abs(y))) }
    }

    /// The largest gap between the sketch's rank of a probe and its true rank.
    static func worstRankError(_ sketch: QuantileSketch, sorted: [Double]) -> Double {
        let probes = (1..<100).map { Double($0) / 100 }
        var worst = 0.0
        for (p, q) in zip(probes, sketch.quantiles(probes)) {
            // True share of values <= q (upper rank) and < q (lower rank): q's rank is anywhere between.
            var low = 0
            var high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] <= q { low = mid + 1 } else { high = mid }
            }
            let upper = Double(low) / Double(sorted.count)
            var below = 0
            high = sorted.count
            while below < high {
                let mid = (below + high) / 2
                if sorted[mid] < q { below = mid + 1 } else { high = mid }
            }
            let lower = Double(below) / Double(sorted.count)
            let error = p < lower ? lower - p : (p > upper ? p - upper : 0)
            worst = max(worst, error)
        }
        return worst
    }

    @Test("KLL sketch: rank error within 1.65% (k = 200) on a million values, whole or merged from 16 parts",
          arguments: [false, true])
    func quantileSketch(sortedInput: Bool) {
        var rng = SeededGenerator(seed: 99)
        var values = (0..<1_000_000).map { _ in rng.normal() * 3 + (Double.random(in: 0..<1, using: &rng) < 0.3 ? 10 : 0) }
        if sortedInput { values.sort() }  // sorted arrival is the adversarial order for compactors
        let sorted = values.sorted()
        var whole = QuantileSketch()
        values.withUnsafeBufferPointer { whole.add($0) }
        #expect(whole.count == values.count)
        #expect(whole.retained < 4 * whole.k + 64)
        #expect(Self.worstRankError(whole, sorted: sorted) <= 0.0165)

        var merged = QuantileSketch()
        for part in 0..<16 {
            var sketch = QuantileSketch(seed: UInt64(part) &+ 1)
            values.withUnsafeBufferPointer { sketch.add(UnsafeBufferPointer(rebasing: $0[(part * 62_500)..<((part + 1) * 62_500)])) }
            merged.merge(sketch)
        }
        #expect(merged.count == values.count && merged.min == sorted.first && merged.max == sorted.last)
        #expect(merged.retained < 4 * merged.k + 64)
        #expect(Self.worstRankError(merged, sorted: sorted) <= 0.0165)
    }

    @Test("KLL sketch is exact while it holds every value")
    func quantileSketchExactWhenSmall() {
        let values = (0..<150).map { Double(($0 * 37) % 150) }
        var sketch = QuantileSketch()
        values.withUnsafeBufferPointer { sketch.add($0) }
        #expect(sketch.retained == 150)
        #expect(sketch.quantiles([0.1, 0.5, 0.9]) == [14, 74, 134])
        #expect(sketch.rank(of: 74) == 0.5)
    }

    @Test("Category counts: exact under the cap, Misra-Gries bound over it, merge included", arguments: seeds)
    func categoryCounts(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        // Zipf-like: a few heavy categories and a long tail of rare ones.
        let stream = (0..<50_000).map { _ -> String in
            let u = Double.random(in: 0..<1, using: &rng)
            return "c\(Int(1 / (u + 0.002)))"
        }
        var truth: [String: Int] = [:]
        for category in stream { truth[category, default: 0] += 1 }
        let cut = Int.random(in: 0...stream.count, using: &rng)

        for capacity in [1_000, 50] {
            var a = CategoryCounts(capacity: capacity)
            var b = CategoryCounts(capacity: capacity)
            var whole = CategoryCounts(capacity: capacity)
            for category in stream[..<cut] { a.add(category) }
            for category in stream[cut...] { b.add(category) }
            for category in stream { whole.add(category) }
            let merged = a.merging(b)
            for summary in [whole, merged] {
                #expect(summary.total == stream.count)
                #expect(summary.counters.count <= capacity)
                #expect(summary.errorBound <= stream.count / (capacity + 1))
                for (category, count) in truth {
                    let estimate = summary.estimate(of: category)
                    #expect(estimate <= count && estimate >= count - summary.errorBound, "\(category)")
                }
            }
            if truth.count <= capacity {
                #expect(merged.isExact && merged.counters == truth)
            } else {
                #expect(!merged.isExact)
                // The heavy hitters survive: every category above the bound is still counted.
                for (category, count) in truth where count > merged.errorBound {
                    #expect(merged.counters[category] != nil)
                }
            }
        }
    }
}
