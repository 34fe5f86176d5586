import DriftKernels
import Testing
import TestSupport

/// Sample sizes where scipy's 'auto' methods take their exact branches (KS up to 10,000,
/// Cramér-von Mises up to 20) or sit right at the boundary.
struct SizePair: Sendable, CustomTestStringConvertible {
    var reference: Int
    var current: Int
    var shift: Double
    var ties: Bool

    var testDescription: String { "\(reference)x\(current) shift \(shift)\(ties ? " ties" : "")" }

    static let cases: [SizePair] = [
        SizePair(reference: 7, current: 5, shift: 0.8, ties: false),
        SizePair(reference: 20, current: 20, shift: 0.5, ties: false),
        SizePair(reference: 18, current: 12, shift: 0, ties: true),
        SizePair(reference: 100, current: 80, shift: 0.3, ties: false),
        SizePair(reference: 500, current: 500, shift: 0.1, ties: false),
        SizePair(reference: 1_000, current: 999, shift: 0.05, ties: true),
        SizePair(reference: 3_000, current: 2_000, shift: 0.15, ties: false),
        SizePair(reference: 10_000, current: 6_000, shift: 0.02, ties: false),
        SizePair(reference: 10_001, current: 4_000, shift: 0.05, ties: false),
    ]

    func samples() -> (reference: [Double], current: [Double]) {
        var rng = SeededGenerator(seed: UInt64(reference * 31 + current))
        func value(_ mean: Double) -> Double {
            let x = rng.normal(mean: mean)
            return ties ? (x * 3).rounded() : x
        }
        let a = (0..<reference).map { _ in value(0) }
        let b = (0..<current).map { _ in value(shift) }
        return (a, b)
    }
}

@Suite("P-value tests against scipy")
struct PValueTests {
    func check(_ reference: [Double], _ current: [Double]) throws {
        let expected = try NumpyOracle.run("tests", samples: [reference, current])
        let a = reference.filter { !$0.isNaN }.sorted()
        let b = current.filter { !$0.isNaN }.sorted()
        try a.withUnsafeBufferPointer { a in
            try b.withUnsafeBufferPointer { b in
                let ks = KolmogorovSmirnov.test(sortedReference: a, sortedCurrent: b)
                #expect(ks.statistic == (try NumpyOracle.double(expected, "ks_statistic")))
                let ksP = try NumpyOracle.double(expected, "ks_pvalue")
                #expect(abs(ks.pvalue - ksP) <= 1e-10 + 1e-9 * ksP, "KS p \(ks.pvalue) vs \(ksP) by \(ks.method)")

                let ad = AndersonDarling.test(sortedReference: a, sortedCurrent: b)
                let adStatistic = try NumpyOracle.double(expected, "ad_statistic")
                #expect(abs(ad.statistic - adStatistic) <= 1e-9 * max(1, abs(adStatistic)), "AD \(ad.statistic) vs \(adStatistic)")
                #expect(abs(ad.pvalue - (try NumpyOracle.double(expected, "ad_pvalue"))) <= 1e-9)

                let cvm = CramerVonMises.test(sortedReference: a, sortedCurrent: b)
                let cvmStatistic = try NumpyOracle.double(expected, "cvm_statistic")
                #expect(abs(cvm.statistic - cvmStatistic) <= 1e-10 * max(1, abs(cvmStatistic)), "CvM \(cvm.statistic) vs \(cvmStatistic)")
                let cvmP = try NumpyOracle.double(expected, "cvm_pvalue")
                #expect(abs(cvm.pvalue - cvmP) <= 1e-9, "CvM p \(cvm.pvalue) vs \(cvmP)")

                Self.expectFusedWalkEqualsEachTest(a, b)
            }
        }
    }

    /// `ExactSampleTests`' one walk gives each test's own result to the bit.
    static func expectFusedWalkEqualsEachTest(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) {
        let fused = ExactSampleTests(sortedReference: a, sortedCurrent: b)
        let ks = KolmogorovSmirnov.test(sortedReference: a, sortedCurrent: b)
        let ad = AndersonDarling.test(sortedReference: a, sortedCurrent: b)
        let cvm = CramerVonMises.test(sortedReference: a, sortedCurrent: b)
        let bits = [
            fused.ks.statistic, fused.ks.pvalue, fused.wasserstein, fused.andersonDarling.statistic, fused.andersonDarling.pvalue,
            fused.cramerVonMises.statistic, fused.cramerVonMises.pvalue,
        ].map(\.bitPattern)
        let expected = [
            ks.statistic, ks.pvalue, Wasserstein.distance(sortedReference: a, sortedCurrent: b), ad.statistic, ad.pvalue, cvm.statistic,
            cvm.pvalue,
        ].map(\.bitPattern)
        #expect(bits == expected, "\(a.count) x \(b.count)")
        #expect(fused.ks.method == ks.method)
    }

    @Test("The four tests from one walk equal each test's own on ties, constants and one or two values")
    func fusedWalkEdges() {
        let cases: [([Double], [Double])] = [
            ([], [1]), ([1], [2]), ([1, 1], [1, 1]), ([3, 3, 3], [3, 3]), ([1, 2], [2, 3]), ([0, 0, 1], [1, 1, 1, 2]),
            ([-1, 0, 0, 0, 5], [0]), ((0..<50).map { Double($0 / 7) }, (0..<30).map { Double($0 / 5) + 0.5 }),
        ]
        for (a, b) in cases {
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in Self.expectFusedWalkEqualsEachTest(a, b) } }
        }
    }

    @Test("KS (auto), Anderson-Darling and Cramér-von Mises equal scipy on every data shape", arguments: Shape.allCases)
    func shapes(shape: Shape) throws {
        guard shape != .constant else { return }  // anderson_ksamp needs two distinct values; see below
        let (reference, current) = shape.samples(seed: 11 &+ UInt64(shape.rawValue.utf8.count))
        try check(reference, current)
    }

    @Test("Where the exact KS p-value falls back to the asymptotic one, the statistic is still the lattice value, as scipy's")
    func latticeStatisticOnFallback() throws {
        // 5 x 5 with D = 4/5 - 3/5 = 0.20000000000000007 in doubles: the exact sum comes to
        // 1.0000000000000002 and is refused, by scipy too ("Exact calculation unsuccessful").
        let reference: [Double] = [6, 10, 14, 24, 25]
        let current: [Double] = [2.5, 11.5, 19.5, 22.5, 24.5]
        let ks = reference.withUnsafeBufferPointer { a in
            current.withUnsafeBufferPointer { KolmogorovSmirnov.test(sortedReference: a, sortedCurrent: $0) }
        }
        #expect(ks.method == .asymptotic)
        #expect(ks.statistic == 0.2)
        try check(reference, current)
    }

    @Test("Exact KS and exact Cramér-von Mises p-values equal scipy", arguments: SizePair.cases)
    func exactRegime(sizes: SizePair) throws {
        let (reference, current) = sizes.samples()
        try check(reference, current)
        let a = reference.sorted()
        let b = current.sorted()
        let method = a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { KolmogorovSmirnov.test(sortedReference: a, sortedCurrent: $0).method } }
        #expect(method == (max(sizes.reference, sizes.current) <= KolmogorovSmirnov.largestExactSample ? .exact : .asymptotic))
    }

    @Test("Constant samples give nan for Anderson-Darling rather than a made-up value")
    func constantSamples() {
        let a = [Double](repeating: 2, count: 50)
        let result = a.withUnsafeBufferPointer { AndersonDarling.test(sortedReference: $0, sortedCurrent: $0) }
        #expect(result.statistic.isNaN && result.pvalue.isNaN)
    }

    @Test("Hellinger and KL on histograms equal numpy/scipy")
    func histogramDistances() throws {
        let cases: [([Int], [Int])] = [
            ([120, 80, 300, 500], [100, 100, 250, 550]),
            ([10, 0, 5, 85], [0, 20, 10, 70]),
            ([1, 1, 1, 1, 1, 1], [6, 0, 0, 0, 0, 0]),
        ]
        for (reference, current) in cases {
            let expected = try NumpyOracle.run(
                "histogram-distances", arguments: reference.map(String.init) + ["--"] + current.map(String.init))
            let hellinger = Hellinger.distance(reference: reference, current: current)
            #expect(abs(hellinger - (try NumpyOracle.double(expected, "hellinger"))) <= 1e-14)
            let kl = KullbackLeibler.divergence(reference: reference, current: current)
            #expect(abs(kl - (try NumpyOracle.double(expected, "kl"))) <= 1e-12 * max(1, kl))
            if !reference.contains(0) && !current.contains(0) {
                #expect(abs(kl - (try NumpyOracle.double(expected, "kl_unfloored"))) <= 1e-12)
            }
        }
    }

    @Test("Two-proportion z-test equals scipy's 2x2 chi-square without correction", arguments: [
        (120, 1_000, 150, 1_000), (5_000, 100_000, 5_230, 100_000), (3, 40, 9, 35), (0, 100, 4, 100),
    ])
    func twoProportion(counts: (Int, Int, Int, Int)) throws {
        let (x1, n1, x2, n2) = counts
        let expected = try NumpyOracle.run("two-proportion", arguments: [x1, n1, x2, n2].map(String.init))
        let result = TwoProportion.test(referenceTrue: x1, referenceCount: n1, currentTrue: x2, currentCount: n2)
        let chi2 = try NumpyOracle.double(expected, "chi2")
        #expect(abs(result.statistic * result.statistic - chi2) <= 1e-10 * max(1, chi2))
        #expect((result.statistic > 0) == (Double(x2) / Double(n2) > Double(x1) / Double(n1)))
        #expect(abs(result.pvalue - (try NumpyOracle.double(expected, "pvalue"))) <= 1e-12)
    }
}
