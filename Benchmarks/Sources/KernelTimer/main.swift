import DriftKernels
import DriftMonitor
import Foundation
import Timing

// Usage: KernelTimer REFERENCE.f64 CURRENT.f64 COLUMNS
// Prints one JSON object of median seconds per step, for bench_kernels.py to set beside numpy/scipy.
let arguments = CommandLine.arguments
guard arguments.count == 4, let columnCount = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: KernelTimer REFERENCE.f64 CURRENT.f64 COLUMNS\n".utf8))
    exit(2)
}
let reference = try Window(path: arguments[1], columns: columnCount)
let current = try Window(path: arguments[2], columns: columnCount)

/// Median wall time of `repeats` runs, in seconds.
func median(_ repeats: Int = 15, _ body: () -> Void) -> Double { medianSeconds(repeats, body) }

var sink = 0.0
let referenceBatch = reference.batch()
let currentBatch = current.batch()
var profile: ReferenceProfile?
let profileSeconds = median(3) {
    profile = ReferenceProfile(model: "bench", features: reference.features, batch: referenceBatch, dictionaries: [])
}
var space = FeatureSpace()
try space.declare(reference.features)
let monitor = try Monitor(
    model: "bench", reference: profile!, policy: DriftPolicy(), windowRecords: current.rows, space: space)

var results: [String: Double] = [:]
results["one_pass"] = median(31) {
    for column in current.columns { sink += column.reduce(0, +) }
}
results["reference_profile"] = profileSeconds
// The window's pass alone: every column through the histogram, moments and quality pass.
let passLocators = profile!.features.map { BinLocator(edges: BinEdges($0.edges ?? [])) }
results["window_pass"] = median(31) {
    for (j, column) in current.columns.enumerated() {
        var histogram = Histogram(binCount: passLocators[j].edges.binCount)
        column.withUnsafeBufferPointer { values in
            sink += histogram.summarize(values, locator: passLocators[j], shift: 0, range: -1...1).moments.mean
        }
    }
}
// The same pass in the agent's batches: 128 rows at a time (64 KiB of 50 features).
results["window_pass_batches"] = median(31) {
    for (j, column) in current.columns.enumerated() {
        var histogram = Histogram(binCount: passLocators[j].edges.binCount)
        var previous = Double.nan
        column.withUnsafeBufferPointer { values in
            for start in stride(from: 0, to: values.count, by: 128) {
                let batch = UnsafeBufferPointer(rebasing: values[start..<min(start + 128, values.count)])
                let pass = histogram.summarize(batch, locator: passLocators[j], shift: 0, range: -1...1, previous: previous)
                previous = pass.last
                sink += pass.moments.mean
            }
        }
    }
}
// What no pass that keeps per-bin counts and sums can go below: each value's count and sum
// added to its bin, the bins found beforehand (issue 27 asked the pass for 1.5x numpy's sum).
let passBins = current.columns.enumerated().map { j, column in column.map { UInt16(passLocators[j].edges.bin(of: $0)) } }
results["bin_scatter_floor"] = median(31) {
    for (j, column) in current.columns.enumerated() {
        var counts = [Int](repeating: 0, count: passLocators[j].edges.binCount)
        var sums = [Double](repeating: 0, count: passLocators[j].edges.binCount)
        column.withUnsafeBufferPointer { values in
            passBins[j].withUnsafeBufferPointer { bins in
                counts.withUnsafeMutableBufferPointer { counts in
                    sums.withUnsafeMutableBufferPointer { sums in
                        for i in values.indices {
                            let bin = Int(bins[i])
                            counts[bin] &+= 1
                            sums[bin] += values[i]
                        }
                    }
                }
            }
        }
        sink += sums[1] + Double(counts[1])
    }
}
// The streaming path: fold the window's columns into summaries, then every test on them;
// once with the PCA baseline and once without it (univariate tests only).
var univariateProfile = profile!
univariateProfile.multivariate = nil
let univariate = try Monitor(
    model: "bench", reference: univariateProfile, policy: DriftPolicy(), windowRecords: current.rows, space: space)
results["window_univariate_tests"] = median {
    univariate.add(currentBatch)
    sink += univariate.closeWindow(space: space).report.datasetDriftShare
}
results["window_all_tests"] = median {
    monitor.add(currentBatch)
    sink += monitor.closeWindow(space: space).report.datasetDriftShare
}
_ = monitor.closeWindow(space: space)
// PSI alone, as numpy computes it: the current window binned on the reference deciles.
let locators = profile!.features.map { BinLocator(edges: BinEdges($0.psiEdges ?? [])) }
let referenceDeciles = reference.columns.enumerated().map { j, column -> [Int] in
    var histogram = Histogram(binCount: locators[j].edges.binCount)
    column.withUnsafeBufferPointer { _ = histogram.add($0, locator: locators[j]) }
    return histogram.counts
}
results["psi"] = median {
    for (j, column) in current.columns.enumerated() {
        var histogram = Histogram(binCount: locators[j].edges.binCount)
        column.withUnsafeBufferPointer { _ = histogram.add($0, locator: locators[j]) }
        sink += PopulationStability.score(reference: referenceDeciles[j], current: histogram.counts)
    }
}
// The exact path `compare` takes on raw samples: sort both, then each test in one merge pass.
let sortedReference = reference.columns.map { column -> [Double] in
    var sorted = column
    RadixSort.sort(&sorted)
    return sorted
}
var sortedCurrent = current.columns
results["sort"] = median {
    for j in sortedCurrent.indices {
        var copy = current.columns[j]
        RadixSort.sort(&copy)
        sortedCurrent[j] = copy
    }
}
/// Runs a two-sample test on every sorted column pair.
@MainActor func pairwise(_ test: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>) -> Double) -> Double {
    var total = 0.0
    for j in sortedReference.indices {
        sortedReference[j].withUnsafeBufferPointer { a in
            sortedCurrent[j].withUnsafeBufferPointer { b in total += test(a, b) }
        }
    }
    return total
}
results["ks_exact"] = median { sink += pairwise { KolmogorovSmirnov.test(sortedReference: $0, sortedCurrent: $1).pvalue } }
results["wasserstein_exact"] = median { sink += pairwise { Wasserstein.distance(sortedReference: $0, sortedCurrent: $1) } }
results["anderson_darling"] = median { sink += pairwise { AndersonDarling.test(sortedReference: $0, sortedCurrent: $1).statistic } }
results["cramer_von_mises"] = median { sink += pairwise { CramerVonMises.test(sortedReference: $0, sortedCurrent: $1).statistic } }
// The four from one walk, as `compare` runs them.
results["exact_tests"] = median { sink += pairwise { ExactSampleTests(sortedReference: $0, sortedCurrent: $1).andersonDarling.statistic } }
results["kll_sketch"] = median {
    var sketch = QuantileSketch()
    for column in current.columns { column.withUnsafeBufferPointer { sketch.add($0) } }
    sink += Double(sketch.retained)
}
if let multivariate = profile!.multivariate {
    let matrix = ColumnMatrix(columns: current.columns)
    var copy = matrix
    var scratch = PrincipalComponents.Scratch()
    results["pca_reconstruction"] = median {
        var errors = PrincipalComponents.ErrorSum()
        copy.load(columns: current.columns)
        multivariate.basis.accumulateErrors(standardisingInPlace: &copy, into: &errors, scratch: &scratch)
        sink += errors.mean
    }
}
results["checksum"] = sink.isNaN ? 0 : 1
let json = results.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
print("{\(json)}")
