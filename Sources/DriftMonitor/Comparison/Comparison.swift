import Dispatch
import DriftKernels
import Synchronization

/// Two datasets compared offline with the engine `run` uses on windows: the reference
/// becomes a ``ReferenceProfile``, the current data one window of a ``Monitor``, and the same
/// policy decides. Because the raw samples are at hand, the binned KS and Wasserstein are
/// replaced by exact ones (KS p-value by scipy's 'auto' rule) and Anderson-Darling and
/// Cramér-von Mises are added; the window is then judged again on the exact scores.
public struct Comparison: Sendable {
    public var referenceRows: Int
    public var currentRows: Int
    public var report: WindowReport
    public var policy: DriftPolicy
    /// Why the reference has no multivariate baseline, when its fit failed.
    public var multivariateSkipped: String?
    /// The model's performance, when the comparison was asked for it (`compare --task`).
    public var performance: PerformanceComparison?

    /// - Parameters: both batches hold `features` in order (numeric columns, then categorical),
    ///   categorical codes from their own dictionaries.
    public init(
        features: [Feature], reference: RecordBatch, referenceDictionaries: [CategoryDictionary], current: RecordBatch,
        currentDictionaries: [CategoryDictionary], policy: DriftPolicy
    ) throws(SchemaError) {
        let profile = ReferenceProfile(
            model: nil, features: features, batch: reference, dictionaries: referenceDictionaries, bins: policy.bins)
        var space = FeatureSpace()
        try space.declare(features)
        space.dictionaries = currentDictionaries
        let monitor = try Monitor(model: "compare", reference: profile, policy: policy, windowRecords: current.count, space: space)
        monitor.add(current)
        var report = monitor.closeWindow(space: space).report

        let numericNames = features.filter { $0.kind == .numeric }.map(\.name)
        let exact = Self.exactTests(reference: reference.numeric, current: current.numeric)
        for (column, name) in numericNames.enumerated() {
            guard let index = report.features.firstIndex(where: { $0.name == name }), let tests = exact[column] else { continue }
            var feature = report.features[index]
            let scale = max(profile.features.first { $0.name == name }?.moments?.standardDeviation ?? 1, 1e-3)
            feature.replace(.init(method: .ks, value: tests.ks.statistic, pvalue: tests.ks.pvalue))
            feature.replace(.init(method: .wasserstein, value: tests.wasserstein / scale, pvalue: nil))
            feature.replace(.init(method: .andersonDarling, value: tests.andersonDarling.statistic, pvalue: tests.andersonDarling.pvalue))
            feature.replace(.init(method: .cramerVonMises, value: tests.cramerVonMises.statistic, pvalue: tests.cramerVonMises.pvalue))
            feature.uncorrectedPValue = tests.ks.pvalue
            report.features[index] = feature
        }
        // Judged again on the exact p-values, corrected together with the categorical ones.
        report.judged = policy.judge(&report.features, records: current.count)
        let drifted = report.features.filter(\.drifted).count
        report.datasetDriftShare = report.features.isEmpty ? 0 : Double(drifted) / Double(report.features.count)
        referenceRows = reference.count
        currentRows = current.count
        self.report = report
        self.policy = policy
        multivariateSkipped = profile.multivariateSkipped
    }

    struct ExactTests {
        var ks: KolmogorovSmirnov.Result
        var wasserstein: Double
        var andersonDarling: AndersonDarling.Result
        var cramerVonMises: CramerVonMises.Result
    }

    /// Sorts each column pair once and runs the sample tests on it, columns in parallel.
    static func exactTests(reference: [[Double]], current: [[Double]]) -> [ExactTests?] {
        let results = Mutex([ExactTests?](repeating: nil, count: reference.count))
        DispatchQueue.concurrentPerform(iterations: reference.count) { column in
            let tests = exactTests(reference[column], current[column])
            results.withLock { $0[column] = tests }
        }
        return results.withLock { $0 }
    }

    static func exactTests(_ referenceColumn: [Double], _ currentColumn: [Double]) -> ExactTests? {
        var a = referenceColumn.filter { !$0.isNaN }
        var b = currentColumn.filter { !$0.isNaN }
        guard !a.isEmpty, !b.isEmpty else { return nil }
        RadixSort.sort(&a)
        RadixSort.sort(&b)
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                ExactTests(
                    ks: KolmogorovSmirnov.test(sortedReference: a, sortedCurrent: b),
                    wasserstein: Wasserstein.distance(sortedReference: a, sortedCurrent: b),
                    andersonDarling: AndersonDarling.test(sortedReference: a, sortedCurrent: b),
                    cramerVonMises: CramerVonMises.test(sortedReference: a, sortedCurrent: b))
            }
        }
    }
}

extension FeatureDrift {
    /// Sets a method's score, adding it if absent.
    mutating func replace(_ score: Score) {
        if let index = scores.firstIndex(where: { $0.method == score.method }) {
            scores[index] = score
        } else {
            scores.append(score)
        }
    }
}
