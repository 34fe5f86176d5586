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

        // The counting pass locates values the same way.
        var counts = [Int](repeating: 0, count: edges.binCount)
        var sums = [Double](repeating: 0, count: edges.binCount)
        let finite = values.filter(\.isFinite)
        _ = finite.withUnsafeBufferPointer { column in
            counts.withUnsafeMutableBufferPointer { counts in
                sums.withUnsafeMutableBufferPointer { sums in
                    locator.summarize(column, counts: counts, sums: sums, shift: 0, range: -1...1)
                }
            }
        }
        var expectedCounts = [Int](repeating: 0, count: edges.binCount)
        for (value, bin) in zip(values, expected) where value.isFinite { expectedCounts[bin] += 1 }
        #expect(counts == expectedCounts)
    }
}
