import Foundation
import DriftKernels
import Testing
import TestSupport

/// Shapes of generated data on which every kernel is compared with numpy/scipy.
enum Shape: String, CaseIterable, Sendable {
    case normal, shiftedNormal, lognormal, bimodal, heavyTies, tiny, nanLaden, constant

    func samples(seed: UInt64) -> (reference: [Double], current: [Double]) {
        var rng = SeededGenerator(seed: seed)
        func draw(_ count: Int, _ value: (inout SeededGenerator) -> Double) -> [Double] {
            (0..<count).map { _ in value(&rng) }
        }
        switch self {
        case .normal:
            return (draw(20_000) { $0.normal() }, draw(5_000) { $0.normal() })
        case .shiftedNormal:
            return (draw(20_000) { $0.normal() }, draw(5_000) { $0.normal(mean: 0.4, standardDeviation: 1.3) })
        case .lognormal:
            return (draw(10_000) { exp($0.normal()) }, draw(8_000) { exp($0.normal(mean: 0.2)) })
        case .bimodal:
            return (
                draw(12_000) { g in g.normal(mean: Bool.random(using: &g) ? -2 : 2) },
                draw(6_000) { g in g.normal(mean: Double.random(in: 0..<1, using: &g) < 0.7 ? -2 : 2) }
            )
        case .heavyTies:
            return (draw(10_000) { ($0.normal() * 2).rounded() }, draw(10_000) { ($0.normal(mean: 0.3) * 2).rounded() })
        case .tiny:
            return (draw(12) { $0.normal() }, draw(9) { $0.normal(mean: 1) })
        case .nanLaden:
            return (
                draw(10_000) { g in Double.random(in: 0..<1, using: &g) < 0.2 ? .nan : g.normal() },
                draw(4_000) { g in Double.random(in: 0..<1, using: &g) < 0.3 ? .nan : g.normal(mean: 0.1) }
            )
        case .constant:
            return ([Double](repeating: 3.5, count: 1_000), draw(1_000) { $0.normal(mean: 3.5) })
        }
    }
}

@Suite("Two-sample kernels against numpy/scipy")
struct TwoSampleTests {
    @Test("PSI, JS, KS, Wasserstein and moments equal scipy", arguments: Shape.allCases)
    func kernelsMatchScipy(shape: Shape) throws {
        let (reference, current) = shape.samples(seed: 42 &+ UInt64(shape.rawValue.utf8.count))
        let expected = try NumpyOracle.run("two-sample", samples: [reference, current], arguments: ["10"])

        let sortedReference = reference.filter { !$0.isNaN }.sorted()
        let sortedCurrent = current.filter { !$0.isNaN }.sorted()
        let edges = sortedReference.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: 10) }
        let expectedEdges = try NumpyOracle.doubles(expected, "edges")
        #expect(edges.values == expectedEdges, "\(zip(edges.values, expectedEdges).filter { $0 != $1 })")

        let locator = BinLocator(edges: edges)
        var referenceHistogram = Histogram(binCount: edges.binCount)
        var currentHistogram = Histogram(binCount: edges.binCount)
        _ = reference.withUnsafeBufferPointer { referenceHistogram.add($0, locator: locator) }
        let missing = current.withUnsafeBufferPointer { currentHistogram.add($0, locator: locator) }
        let referenceCounts = referenceHistogram.counts
        let currentCounts = currentHistogram.counts
        #expect(missing == current.count - sortedCurrent.count)

        let psi = PopulationStability.score(reference: referenceCounts, current: currentCounts)
        #expect(abs(psi - (try NumpyOracle.double(expected, "psi"))) <= 1e-12 * max(1, psi))
        let js = JensenShannon.distance(reference: referenceCounts, current: currentCounts)
        #expect(abs(js - (try NumpyOracle.double(expected, "js"))) <= 1e-12)

        let d = sortedReference.withUnsafeBufferPointer { a in
            sortedCurrent.withUnsafeBufferPointer { b in KolmogorovSmirnov.statistic(sortedReference: a, sortedCurrent: b) }
        }
        #expect(d == (try NumpyOracle.double(expected, "ks_statistic")))
        let p = KolmogorovSmirnov.asymptoticPValue(statistic: d, referenceCount: sortedReference.count, currentCount: sortedCurrent.count)
        #expect(abs(p - (try NumpyOracle.double(expected, "ks_pvalue_asymp"))) <= 1e-9)

        let w = sortedReference.withUnsafeBufferPointer { a in
            sortedCurrent.withUnsafeBufferPointer { b in Wasserstein.distance(sortedReference: a, sortedCurrent: b) }
        }
        let expectedW = try NumpyOracle.double(expected, "wasserstein")
        #expect(abs(w - expectedW) <= 1e-9 * max(1, expectedW))

        var moments = Moments()
        // Fold in blocks to exercise the merge.
        current.withUnsafeBufferPointer { values in
            var start = 0
            while start < values.count {
                let end = min(start + 777, values.count)
                moments.add(UnsafeBufferPointer(rebasing: values[start..<end]))
                start = end
            }
        }
        #expect(abs(moments.mean - (try NumpyOracle.double(expected, "mean"))) <= 1e-12 * max(1, abs(moments.mean)))
        #expect(abs(moments.standardDeviation - (try NumpyOracle.double(expected, "std"))) <= 1e-10)
        if moments.m2 > 0 {
            #expect(abs(moments.skewness - (try NumpyOracle.double(expected, "skew"))) <= 1e-8)
            #expect(abs(moments.kurtosis - (try NumpyOracle.double(expected, "kurtosis"))) <= 1e-8)
        }

        // The window's one-pass kernel: same bins, and moments from power sums about the reference mean.
        var referenceMoments = Moments()
        reference.withUnsafeBufferPointer { referenceMoments.add($0) }
        let range = (sortedReference.first ?? 0)...(sortedReference.last ?? 0)
        var onePass = Histogram(binCount: edges.binCount)
        let pass = current.withUnsafeBufferPointer {
            onePass.summarize($0, locator: locator, shift: referenceMoments.count > 0 ? referenceMoments.mean : 0, range: range)
        }
        #expect(onePass.counts == currentCounts)
        #expect(pass.missing == missing)
        #expect(pass.outside == sortedCurrent.filter { !range.contains($0) }.count)
        #expect(pass.moments.count == sortedCurrent.count && pass.moments.min == sortedCurrent.first && pass.moments.max == sortedCurrent.last)
        #expect(abs(pass.moments.mean - (try NumpyOracle.double(expected, "mean"))) <= 1e-12 * max(1, abs(pass.moments.mean)))
        #expect(abs(pass.moments.standardDeviation - (try NumpyOracle.double(expected, "std"))) <= 1e-10)
        if pass.moments.m2 > 0 {
            #expect(abs(pass.moments.skewness - (try NumpyOracle.double(expected, "skew"))) <= 1e-8)
            #expect(abs(pass.moments.kurtosis - (try NumpyOracle.double(expected, "kurtosis"))) <= 1e-8)
        }
    }

    @Test("Binned KS and Wasserstein stay within their stated bounds of the exact values")
    func binnedApproximations() throws {
        let (reference, current) = Shape.shiftedNormal.samples(seed: 7)
        let sortedReference = reference.sorted()
        let sortedCurrent = current.sorted()
        let edges = sortedReference.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: 200) }
        let locator = BinLocator(edges: edges)
        var referenceHistogram = Histogram(binCount: edges.binCount)
        var currentHistogram = Histogram(binCount: edges.binCount)
        _ = reference.withUnsafeBufferPointer { referenceHistogram.add($0, locator: locator) }
        _ = current.withUnsafeBufferPointer { currentHistogram.add($0, locator: locator) }
        let referenceCounts = referenceHistogram.counts
        let currentCounts = currentHistogram.counts
        let exactD = sortedReference.withUnsafeBufferPointer { a in
            sortedCurrent.withUnsafeBufferPointer { KolmogorovSmirnov.statistic(sortedReference: a, sortedCurrent: $0) }
        }
        let binnedD = KolmogorovSmirnov.statistic(reference: referenceCounts, current: currentCounts)
        let largestMass = max(
            Double(referenceCounts.max()!) / Double(reference.count), Double(currentCounts.max()!) / Double(current.count))
        #expect(binnedD <= exactD + 1e-15)
        #expect(exactD - binnedD <= largestMass)

        let exactW = sortedReference.withUnsafeBufferPointer { a in
            sortedCurrent.withUnsafeBufferPointer { Wasserstein.distance(sortedReference: a, sortedCurrent: $0) }
        }
        let binnedW = Wasserstein.distance(
            reference: referenceHistogram, current: currentHistogram, edges: edges,
            lowerBound: min(sortedReference.first!, sortedCurrent.first!), upperBound: max(sortedReference.last!, sortedCurrent.last!))
        #expect(binnedW <= exactW + 1e-12)
        #expect(exactW - binnedW <= 0.01 * exactW)
    }

    /// Edges whose bins fit a byte, two bytes, and only four bytes per grid cell.
    static let edgeSets: [(name: String, edges: BinEdges, gridCell: Int)] = {
        var rng = SeededGenerator(seed: 3)
        let ties = (0..<2_000).map { _ in (rng.normal() * 4).rounded() / 4 }  // many ties and near-duplicates
        let thousand = (0..<1_000).map { _ in rng.normal() }
        let many = (0..<70_000).map { Double($0) + Double.random(in: 0..<0.5, using: &rng) }
        return [("ties", BinEdges(ties), 1), ("1,000 edges", BinEdges(thousand), 2), ("70,000 edges", BinEdges(many), 4)]
    }()

    @Test("The bin locator agrees with binary search on every value, its grid in the narrowest cells", arguments: 0..<3)
    func locatorMatchesBinarySearch(set: Int) {
        let (name, edges, gridCell) = Self.edgeSets[set]
        let locator = BinLocator(edges: edges)
        var rng = SeededGenerator(seed: 4)
        let spread = (edges.values.last! - edges.values.first!) * 0.6
        let middle = (edges.values.last! + edges.values.first!) / 2
        let values = (0..<50_000).map { _ in middle + Double.random(in: -1...1, using: &rng) * spread }
        #expect(values.allSatisfy { locator.bin(of: $0) == edges.bin(of: $0) }, "\(name)")
        #expect(edges.values.allSatisfy { locator.bin(of: $0) == edges.bin(of: $0) && locator.bin(of: $0.nextDown) == edges.bin(of: $0.nextDown) }, "\(name)")
        #expect(locator.gridBytes <= (BinLocator.maximumCells + 1) * gridCell, "\(name): \(locator.gridBytes) bytes")
        #expect(locator.gridBytes % gridCell == 0 && locator.gridBytes / gridCell >= 17, "\(name): \(locator.gridBytes) bytes")

        // The batch paths (counts and sums, the fused summary) bin as the single lookup does.
        var expected = [Int](repeating: 0, count: edges.binCount)
        for x in values { expected[edges.bin(of: x)] += 1 }
        var counts = [Int](repeating: 0, count: edges.binCount)
        var sums = [Double](repeating: 0, count: edges.binCount)
        let withNaN = values + [.nan]
        let missing = withNaN.withUnsafeBufferPointer { values in
            counts.withUnsafeMutableBufferPointer { counts in
                sums.withUnsafeMutableBufferPointer { locator.accumulate(values, counts: counts, sums: $0) }
            }
        }
        #expect(missing == 1 && counts == expected, "\(name)")
        var fused = [Int](repeating: 0, count: edges.binCount)
        let summary = withNaN.withUnsafeBufferPointer { values in
            fused.withUnsafeMutableBufferPointer { counts in
                sums.withUnsafeMutableBufferPointer {
                    locator.summarize(values, counts: counts, sums: $0, shift: middle, range: edges.values.first!...edges.values.last!)
                }
            }
        }
        #expect(summary.missing == 1 && summary.moments.count == values.count && fused == expected, "\(name)")
    }
}

@Suite("Distributions against scipy")
struct DistributionTests {
    @Test("Kolmogorov survival function equals scipy.stats.kstwo.sf in every algorithm's region")
    func kolmogorovSurvival() throws {
        // (n, x) pairs that reach Ruben-Gambino, exact Smirnov, Durbin, Pomeranz and Pelz-Good.
        let pairs: [(Int, Double)] = [
            (5, 0.15), (5, 0.9), (10, 0.08), (10, 0.25), (10, 0.5), (50, 0.1), (50, 0.2), (50, 0.35), (140, 0.05),
            (141, 0.06), (500, 0.01), (500, 0.04), (500, 0.08), (1_000, 0.0012), (4_000, 0.02), (4_000, 0.03),
            (20_000, 0.005), (20_000, 0.012), (20_000, 0.1), (200_000, 0.002), (200_000, 0.004), (3, 0.7), (200, 0.6),
        ]
        let expected = try NumpyOracle.doubles(
            NumpyOracle.run("kstwo-sf", arguments: pairs.flatMap { ["\($0.0)", "\($0.1)"] }), "sf")
        for (index, (n, x)) in pairs.enumerated() {
            let actual = KolmogorovDistribution.survival(n, x)
            #expect(abs(actual - expected[index]) <= 1e-10 + 1e-8 * expected[index], "n=\(n) x=\(x)")
        }
    }

    @Test("Chi-square goodness of fit equals scipy.stats.chisquare")
    func chiSquare() throws {
        let cases: [([Int], [Int])] = [
            ([500, 300, 150, 50], [240, 160, 70, 30]),
            ([100, 100, 100], [90, 120, 90]),
            ([1_000, 10, 5, 2_000, 400], [480, 9, 1, 1_100, 210]),
            ([40, 60], [70, 30]),
        ]
        for (reference, current) in cases {
            let expected = try NumpyOracle.run(
                "chisquare", arguments: reference.map(String.init) + ["--"] + current.map(String.init))
            let result = ChiSquare.test(reference: reference, current: current)
            #expect(abs(result.statistic - (try NumpyOracle.double(expected, "statistic"))) <= 1e-9 * max(1, result.statistic))
            #expect(abs(result.pvalue - (try NumpyOracle.double(expected, "pvalue"))) <= 1e-10)
        }
    }
}
