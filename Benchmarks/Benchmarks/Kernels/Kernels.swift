import Benchmark
import DriftKernels
import DriftMonitor

#if canImport(Glibc)
import Glibc
#endif

/// One 100k-value column pair per kernel; `swift package benchmark` in Benchmarks/ runs these
/// with allocation and instruction counts. Throughput is per value of the current column.
let rows = 100_000

func column(seed: UInt64, shift: Double) -> [Double] {
    var state = seed
    return (0..<rows).map { _ in
        // SplitMix64 then Box-Muller: the same shape as the tests' generator, without its package access.
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        let u1 = max(next(), Double.ulpOfOne)
        let u2 = next()
        return shift + (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

let benchmarks: @Sendable () -> Void = {
    let reference = column(seed: 1, shift: 0)
    let current = column(seed: 2, shift: 0.2)
    var sortedReference = reference
    RadixSort.sort(&sortedReference)
    var sortedCurrent = current
    RadixSort.sort(&sortedCurrent)
    let deciles = sortedReference.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: 10) }
    let fine = sortedReference.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: 200) }
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .instructions], scalingFactor: .one)

    Benchmark("Histogram fill (deciles)", configuration: configuration) { benchmark in
        let locator = BinLocator(edges: deciles)
        var histogram = Histogram(binCount: deciles.binCount)
        for _ in benchmark.scaledIterations {
            current.withUnsafeBufferPointer { blackHole(histogram.add($0, locator: locator)) }
        }
    }
    Benchmark("Histogram fill (200 fine bins)", configuration: configuration) { benchmark in
        let locator = BinLocator(edges: fine)
        var histogram = Histogram(binCount: fine.binCount)
        for _ in benchmark.scaledIterations {
            current.withUnsafeBufferPointer { blackHole(histogram.add($0, locator: locator)) }
        }
    }
    Benchmark("Moments", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            var moments = Moments()
            current.withUnsafeBufferPointer { moments.add($0) }
            blackHole(moments.kurtosis)
        }
    }
    Benchmark("Radix sort", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            var copy = current
            RadixSort.sort(&copy)
            blackHole(copy[0])
        }
    }
    func pairwise(_ name: String, _ test: @escaping (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>) -> Double) {
        Benchmark(name, configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                sortedReference.withUnsafeBufferPointer { a in
                    sortedCurrent.withUnsafeBufferPointer { b in blackHole(test(a, b)) }
                }
            }
        }
    }
    pairwise("KS statistic and p-value (sorted)") { KolmogorovSmirnov.test(sortedReference: $0, sortedCurrent: $1).pvalue }
    pairwise("Wasserstein (sorted)") { Wasserstein.distance(sortedReference: $0, sortedCurrent: $1) }
    pairwise("Anderson-Darling (sorted)") { AndersonDarling.test(sortedReference: $0, sortedCurrent: $1).statistic }
    pairwise("Cramér-von Mises (sorted)") { CramerVonMises.test(sortedReference: $0, sortedCurrent: $1).statistic }
    pairwise("KS, Wasserstein, Anderson-Darling and Cramér-von Mises in one walk (sorted)") {
        ExactSampleTests(sortedReference: $0, sortedCurrent: $1).andersonDarling.statistic
    }
    Benchmark("KLL sketch add", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            var sketch = QuantileSketch()
            current.withUnsafeBufferPointer { sketch.add($0) }
            blackHole(sketch.retained)
        }
    }
    let (referenceCounts, currentCounts) = {
        let locator = BinLocator(edges: deciles)
        var a = Histogram(binCount: deciles.binCount)
        var b = Histogram(binCount: deciles.binCount)
        reference.withUnsafeBufferPointer { _ = a.add($0, locator: locator) }
        current.withUnsafeBufferPointer { _ = b.add($0, locator: locator) }
        return (a.counts, b.counts)
    }()
    Benchmark("PSI + JS on decile counts", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(PopulationStability.score(reference: referenceCounts, current: currentCounts))
            blackHole(JensenShannon.distance(reference: referenceCounts, current: currentCounts))
        }
    }
}
