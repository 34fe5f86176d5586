import DriftKernels
import Foundation
import Testing
import TestSupport

/// Vector features: MMD with a Gaussian kernel through random Fourier features, and the
/// distance between means, against numpy's exact kernel sums.
@Suite("Vector drift against numpy")
struct VectorDriftTests {
    /// `rows` vectors of N(0, I_d), the first `shifted` coordinates moved by `shift` and
    /// scaled by `scale`: a change in a subspace.
    static func vectors(rows: Int, dimension d: Int, seed: UInt64, shifted: Int = 0, shift: Double = 0, scale: Double = 1) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(rows * d)
        for _ in 0..<rows {
            for k in 0..<d { values.append(k < shifted ? shift + scale * rng.normal() : rng.normal()) }
        }
        return values
    }

    static func embedding(_ rows: [Double], _ map: RandomFourierFeatures) -> MeanEmbedding {
        var embedding = MeanEmbedding(features: map.features)
        var scratch: [Double] = []
        rows.withUnsafeBufferPointer { map.accumulate(rows: $0, into: &embedding, scratch: &scratch) }
        return embedding
    }

    @Test("The vectorised cosine is within 1e-15 of libm's, from 0 to 1e6")
    func cosine() {
        var rng = SeededGenerator(seed: 9)
        var worst = 0.0
        for magnitude in [1.0, 10, 1e3, 1e6] {
            for _ in 0..<20_000 {
                let x = SIMD8<Double>((0..<8).map { _ in Double.random(in: -magnitude...magnitude, using: &rng) })
                let c = VectorCosine.cosine(x)
                for lane in 0..<8 { worst = max(worst, abs(c[lane] - Foundation.cos(x[lane]))) }
            }
        }
        #expect(worst <= 1e-15, "worst error \(worst)")
    }

    @Test(
        "MMD² from random features equals numpy's with the same features, and the exact kernel's within 4 standard errors",
        arguments: [(0, 0.0, 1.0), (4, 0.4, 1.0), (4, 0.0, 1.6)])
    func matchesNumpy(shifted: Int, shift: Double, scale: Double) throws {
        let d = 32
        let x = Self.vectors(rows: 1_500, dimension: d, seed: 1)
        let y = Self.vectors(rows: 1_200, dimension: d, seed: 2, shifted: shifted, shift: shift, scale: scale)
        let sigma = try #require(x.withUnsafeBufferPointer { KernelBandwidth.median(rows: $0, dimension: d) })
        let map = RandomFourierFeatures(dimension: d, features: 2_048, bandwidth: sigma, seed: 3)
        let (ex, ey) = (Self.embedding(x, map), Self.embedding(y, map))
        let expected = try NumpyOracle.run(
            "mmd", samples: [x, y, map.frequencies, map.phases], arguments: ["\(d)", "\(map.features)", "\(sigma)"], script: "mmd_oracle.py")

        #expect(abs(sigma - (try NumpyOracle.double(expected, "median_sigma"))) <= 1e-12 * sigma)
        let unbiased = ex.squaredDiscrepancy(to: ey)
        let biased = ex.squaredDiscrepancy(to: ey, unbiased: false)
        #expect(abs(unbiased - (try NumpyOracle.double(expected, "rff_u"))) <= 1e-12)
        #expect(abs(biased - (try NumpyOracle.double(expected, "rff_v"))) <= 1e-12)
        let exact = try NumpyOracle.double(expected, "exact_u")
        let bound = try NumpyOracle.double(expected, "rff_bound")
        #expect(abs(unbiased - exact) <= bound, "random features \(unbiased), exact \(exact), bound \(bound)")
        #expect(bound < 0.01, "the random features' standard error is small at D = 2048: \(bound / 4)")

        var (mx, my) = (VectorMean(dimension: d), VectorMean(dimension: d))
        x.withUnsafeBufferPointer { mx.add(rows: $0) }
        y.withUnsafeBufferPointer { my.add(rows: $0) }
        #expect(abs(mx.euclideanDistance(to: my) - (try NumpyOracle.double(expected, "euclidean"))) <= 1e-12)
        #expect(abs(mx.cosineDistance(to: my) - (try NumpyOracle.double(expected, "cosine"))) <= 1e-12)
    }

    @Test("Embeddings of batches merge to the whole's, and a chunk removed leaves the rest's")
    func merges() {
        let d = 24
        let rows = Self.vectors(rows: 1_000, dimension: d, seed: 4)
        let map = RandomFourierFeatures(dimension: d, features: 256, bandwidth: 5, seed: 5)
        let whole = Self.embedding(rows, map)
        let first = Self.embedding(Array(rows[..<(300 * d)]), map)
        var merged = first
        merged.merge(Self.embedding(Array(rows[(300 * d)...]), map))
        #expect(merged.count == 1_000 && abs(merged.squaredNormSum - whole.squaredNormSum) <= 1e-9)
        #expect(zip(merged.sums, whole.sums).allSatisfy { abs($0 - $1) <= 1e-10 })
        let rest = whole.removing(first)
        let second = Self.embedding(Array(rows[(300 * d)...]), map)
        #expect(rest.count == 700 && abs(rest.squaredNormSum - second.squaredNormSum) <= 1e-9)
        #expect(zip(rest.sums, second.sums).allSatisfy { abs($0 - $1) <= 1e-10 })
    }

    @Test("The threshold from reference chunks flags about its rate of clean windows, and catches a shift in a subspace")
    func calibration() throws {
        // Small, as tests run unoptimised: 80,000 rows of 16 through 128 features.
        let d = 16
        let reference = Self.vectors(rows: 20_000, dimension: d, seed: 6)
        let sigma = try #require(reference.withUnsafeBufferPointer { KernelBandwidth.median(rows: $0, dimension: d) })
        let map = RandomFourierFeatures(dimension: d, features: 128, bandwidth: sigma, seed: 7)
        let blocks = reference.withUnsafeBufferPointer { map.embeddings(of: $0, blocks: 200) }
        let calibrated = DiscrepancyThreshold(blocks: blocks)
        #expect(calibrated.threshold(windowRows: 15_000) == nil, "a chunk must leave as much reference behind")
        let threshold = try #require(calibrated.threshold(windowRows: 400, falseFlagRate: 0.05))
        let windows = 150
        let clean = Self.vectors(rows: windows * 400, dimension: d, seed: 8)
        var flagged = 0
        for window in 0..<windows {
            let rows = Array(clean[(window * 400 * d)..<((window + 1) * 400 * d)])
            if Self.embedding(rows, map).squaredDiscrepancy(to: calibrated.whole) > threshold { flagged += 1 }
        }
        // Binomial(150, 0.05): mean 7.5, standard deviation 2.7.
        #expect((1...16).contains(flagged), "\(flagged) of \(windows) clean windows flagged at a 5% rate")
        // Half the coordinates move by 0.25 standard deviations each: the mean moves by 0.71.
        let shifted = Self.vectors(rows: 10 * 400, dimension: d, seed: 9, shifted: 8, shift: 0.25)
        for window in 0..<10 {
            let rows = Array(shifted[(window * 400 * d)..<((window + 1) * 400 * d)])
            #expect(Self.embedding(rows, map).squaredDiscrepancy(to: calibrated.whole) > threshold, "shifted window \(window)")
        }
    }
}
