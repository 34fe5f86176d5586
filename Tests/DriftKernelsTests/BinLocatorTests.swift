@testable import DriftKernels
import Foundation
import Testing
import TestSupport

/// `BinLocator` against numpy's `searchsorted(edges, x, side="right")`, the bin of
/// `numpy.histogram` with open outer bins, at the places a grid lookup can go wrong: on an
/// edge, either side of it, past the last edge, at infinity, and with no edges at all.
@Suite("Bin locator")
struct BinLocatorTests {
    enum Shape: String, CaseIterable {
        /// 10 decile bins of normals: a one-step grid.
        case deciles
        /// 200 quantile bins of values rounded to two decimals: ties collapse edges.
        case roundedFine
        /// Two edges 1e-9 apart among 100 a unit apart: too many cells for one step, so the lookup scans.
        case scanning
        case oneEdge
        case noEdges

        func edges(_ rng: inout SeededGenerator) -> BinEdges {
            switch self {
            case .deciles:
                let sorted = (0..<1_000).map { _ in rng.normal() }.sorted()
                return sorted.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: 10) }
            case .roundedFine:
                let sorted = (0..<5_000).map { _ in (rng.normal(mean: 3, standardDeviation: 2) * 100).rounded() / 100 }.sorted()
                return sorted.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: 200) }
            case .scanning:
                return BinEdges([1e-9] + (0..<100).map(Double.init))
            case .oneEdge:
                return BinEdges([0.5])
            case .noEdges:
                return BinEdges([])
            }
        }
    }

    @Test("Each value's bin is numpy's", arguments: Shape.allCases)
    func binsMatchNumpy(shape: Shape) throws {
        var rng = SeededGenerator(seed: 7)
        let edges = shape.edges(&rng)
        var values: [Double] = [-.infinity, .infinity, -.greatestFiniteMagnitude, .greatestFiniteMagnitude, 0, -0.0]
        for edge in edges.values { values += [edge, edge.nextUp, edge.nextDown] }
        values += (0..<2_000).map { _ in rng.normal(mean: 2, standardDeviation: 40) }
        let expected = try #require(NumpyOracle.run("bins", samples: [values, edges.values])["bins"] as? [Int])
        let locator = BinLocator(edges: edges)
        #expect(locator.oneStep == (shape != .scanning))
        #expect(values.map(locator.bin(of:)) == expected)
        #expect(values.map(edges.bin(of:)) == expected)

        // The counting passes locate values the same way, infinities included, and skip NaN
        // wherever it falls in a block.
        var column: [Double] = []
        for (i, value) in values.enumerated() {
            if i % 7 == 3 { column.append(.nan) }
            column.append(value)
        }
        var expectedCounts = [Int](repeating: 0, count: edges.binCount)
        for bin in expected { expectedCounts[bin] += 1 }
        var summarised = Histogram(binCount: edges.binCount)
        let pass = column.withUnsafeBufferPointer { summarised.summarize($0, locator: locator, shift: 0, range: -1...1) }
        #expect(summarised.counts == expectedCounts)
        #expect(pass.missing == column.count - values.count)
        var added = Histogram(binCount: edges.binCount)
        let missing = column.withUnsafeBufferPointer { added.add($0, locator: locator) }
        #expect(added.counts == expectedCounts && missing == column.count - values.count)
        #expect(added.sums.map(\.bitPattern) == summarised.sums.map(\.bitPattern))
    }

    /// The pass's totals (found two values at a time, or one at a time in a block holding a
    /// NaN) against a direct count and `Moments`' own pairwise update: repeats across NaN,
    /// blocks and calls, odd lengths, values outside the range.
    @Test("The window's pass counts repeats, range and moments as a direct loop does", arguments: [0, 1, 2, 255, 256, 257, 1_001])
    func passTotals(length: Int) {
        var rng = SeededGenerator(seed: UInt64(length) + 11)
        var column: [Double] = []
        while column.count < length {
            switch rng.next() % 10 {
            case 0: column.append(.nan)
            case 1, 2: column.append(column.last(where: { !$0.isNaN }) ?? 1)  // sticks, across a NaN too
            default: column.append((rng.normal(mean: 0.5, standardDeviation: 1) * 8).rounded() / 8)
            }
        }
        let edges = BinEdges(stride(from: -3, through: 3, by: 0.25).map { $0 })
        let locator = BinLocator(edges: edges)
        let range = -1.0...2.0
        // Cut into calls of uneven length, each carrying the last value into the next.
        var histogram = Histogram(binCount: edges.binCount)
        var previous = Double.nan
        var count = 0, missing = 0, outside = 0, repeats = 0
        var low = Double.infinity, high = -Double.infinity
        var start = 0
        while start < column.count {
            let end = min(column.count, start + 1 + Int(rng.next() % 300))
            let pass = column[start..<end].withUnsafeBufferPointer {
                histogram.summarize($0, locator: locator, shift: 0.4, range: range, previous: previous)
            }
            count += pass.moments.count
            missing += pass.missing
            outside += pass.outside
            repeats += pass.repeats
            low = min(low, pass.moments.min)
            high = max(high, pass.moments.max)
            previous = pass.last
            start = end
        }
        let present = column.filter { !$0.isNaN }
        #expect(count == present.count && missing == column.count - present.count)
        #expect(outside == present.filter { !range.contains($0) }.count)
        #expect(repeats == zip(present.dropFirst(), present).filter { $0 == $1 }.count)
        #expect(low == (present.min() ?? .infinity) && high == (present.max() ?? -.infinity))
        #expect(previous.bitPattern == (present.last ?? .nan).bitPattern)
        #expect(histogram.total == present.count)

        var expected = Moments()
        present.withUnsafeBufferPointer { expected.add($0) }
        let whole = column.withUnsafeBufferPointer {
            var fresh = Histogram(binCount: edges.binCount)
            return fresh.summarize($0, locator: locator, shift: 0.4, range: range).moments
        }
        #expect(whole.count == expected.count)
        if expected.count > 0 {
            #expect(abs(whole.mean - expected.mean) <= 1e-12 * max(1, abs(expected.mean)))
            #expect(abs(whole.variance - expected.variance) <= 1e-10 * max(1, expected.variance))
        }
        if expected.count > 2 && expected.m2 > 0 {
            #expect(abs(whole.skewness - expected.skewness) <= 1e-9)
            #expect(abs(whole.kurtosis - expected.kurtosis) <= 1e-9)
        }
    }
}
