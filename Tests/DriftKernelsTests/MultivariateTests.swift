import DriftKernels
import Foundation
import Testing
import TestSupport

@Suite("Multivariate drift against numpy")
struct MultivariateTests {
    /// Two blocks of three features; within a block each feature is `c f + sqrt(1 - c^2) g_j`
    /// for a shared factor `f` and its own noise `g_j`. Every feature is N(j, 1) whatever the
    /// coupling `c`, so changing `c` changes correlations only, never a marginal.
    static func correlated(rows: Int, coupling c: Double, seed: UInt64, missing: Double = 0) -> ColumnMatrix {
        var rng = SeededGenerator(seed: seed)
        let d = 6
        let own = (1 - c * c).squareRoot()
        var columns = [[Double]](repeating: [], count: d)
        for _ in 0..<rows {
            let factors = [rng.normal(), rng.normal()]
            for j in 0..<d {
                var x = c * factors[j / 3] + own * rng.normal() + Double(j)
                if Double.random(in: 0..<1, using: &rng) < missing { x = .nan }
                columns[j].append(x)
            }
        }
        return ColumnMatrix(columns: columns)
    }

    @Test("Eigenvalues, kept axes, reconstruction error and calibration equal numpy", arguments: [0.0, 0.02])
    func matchesNumpy(missing: Double) throws {
        let reference = Self.correlated(rows: 8_000, coupling: 0.9, seed: 1, missing: missing)
        let current = Self.correlated(rows: 3_000, coupling: 0.5, seed: 2, missing: missing)
        let drift = try ReconstructionDrift(reference: reference, chunks: 10)
        let expected = try NumpyOracle.run(
            "pca", samples: [reference.storage, current.storage], arguments: ["6", "0.65", "10"])

        let eigenvalues = try NumpyOracle.doubles(expected, "eigenvalues")
        for (actual, value) in zip(drift.basis.eigenvalues, eigenvalues) {
            #expect(abs(actual - value) <= 1e-10 * max(1, abs(eigenvalues[0])))
        }
        #expect(drift.basis.componentCount == (expected["kept"] as? Int))
        let error = drift.basis.meanError(of: current)
        #expect(abs(error - (try NumpyOracle.double(expected, "current_error"))) <= 1e-9)
        #expect(abs(drift.referenceMean - (try NumpyOracle.double(expected, "reference_mean"))) <= 1e-9)
        #expect(abs(drift.referenceDeviation - (try NumpyOracle.double(expected, "reference_std"))) <= 1e-9)
    }

    @Test("A change in correlation alone is caught; a clean window of any size is not")
    func detectsCorrelationChange() throws {
        let reference = Self.correlated(rows: 20_000, coupling: 0.9, seed: 3)
        let drift = try ReconstructionDrift(reference: reference, chunks: 10)
        var scratch = PrincipalComponents.Scratch()
        for rows in [500, 2_000, 10_000, 50_000] {
            var clean = PrincipalComponents.ErrorSum()
            var cleanWindow = Self.correlated(rows: rows, coupling: 0.9, seed: 4 + UInt64(rows))
            drift.basis.accumulateErrors(standardisingInPlace: &cleanWindow, into: &clean, scratch: &scratch)
            #expect(!drift.isDrifted(clean), "clean window of \(rows) rows: \(clean.mean) outside \(drift.band(rows: rows))")

            // Same marginals (each feature is still a unit-variance mix plus noise), new correlations.
            var shifted = PrincipalComponents.ErrorSum()
            var shiftedWindow = Self.correlated(rows: rows, coupling: 0.75, seed: 5 + UInt64(rows))
            drift.basis.accumulateErrors(standardisingInPlace: &shiftedWindow, into: &shifted, scratch: &scratch)
            #expect(drift.isDrifted(shifted), "drifted window of \(rows) rows: \(shifted.mean) inside \(drift.band(rows: rows))")
        }
    }

    @Test("Errors accumulated batch by batch equal the whole window's")
    func batchesMerge() throws {
        let reference = Self.correlated(rows: 5_000, coupling: 0.8, seed: 6)
        let basis = try PrincipalComponents(fitting: reference)
        let window = Self.correlated(rows: 4_100, coupling: 0.7, seed: 7)
        var whole = PrincipalComponents.ErrorSum()
        var scratch = PrincipalComponents.Scratch()
        var copy = window
        basis.accumulateErrors(standardisingInPlace: &copy, into: &whole, scratch: &scratch)
        var batched = PrincipalComponents.ErrorSum()
        for start in stride(from: 0, to: window.rows, by: 1_024) {
            var part = PrincipalComponents.ErrorSum()
            var rows = window.rows(start..<min(start + 1_024, window.rows))
            basis.accumulateErrors(standardisingInPlace: &rows, into: &part, scratch: &scratch)
            batched.merge(part)
        }
        #expect(batched.rows == whole.rows)
        #expect(abs(batched.mean - whole.mean) <= 1e-12 * whole.mean)
    }
}
