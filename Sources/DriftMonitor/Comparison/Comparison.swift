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
        let numericNames = features.filter { $0.kind == .numeric }.map(\.name)
        let numeric = Self.numericColumns(names: numericNames, reference: reference.numeric, current: current.numeric, bins: policy.bins)
        let profile = ReferenceProfile(
            model: nil, features: features, batch: reference, dictionaries: referenceDictionaries, bins: policy.bins,
            fineBins: ReferenceProfile.defaultFineBins, version: nil, numericProfiles: numeric.map(\.profile))
        var space = FeatureSpace()
        try space.declare(features)
        space.dictionaries = currentDictionaries
        let monitor = try Monitor(model: "compare", reference: profile, policy: policy, windowRecords: current.count, space: space)
        monitor.add(current)
        var report = monitor.closeWindow(space: space).report

        for (column, name) in numericNames.enumerated() {
            guard let index = report.features.firstIndex(where: { $0.name == name }), let tests = numeric[column].exact else { continue }
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

    /// Sorts each column pair once, for the reference's feature profile and the sample tests,
    /// columns in parallel; only the columns being worked on are held sorted.
    static func numericColumns(
        names: [String], reference: [[Double]], current: [[Double]], bins: Int
    ) -> [(profile: FeatureProfile, exact: ExactSampleTests?)] {
        let results = Mutex([(profile: FeatureProfile, exact: ExactSampleTests?)?](repeating: nil, count: reference.count))
        DispatchQueue.concurrentPerform(iterations: reference.count) { column in
            let sortedReference = ReferenceProfile.sorted(reference[column])
            let profile = ReferenceProfile.numericProfile(
                name: names[column], column: reference[column], sorted: sortedReference, bins: bins, fineBins: ReferenceProfile.defaultFineBins)
            let tests = exactTests(sortedReference, ReferenceProfile.sorted(current[column]))
            results.withLock { $0[column] = (profile, tests) }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// The sample tests on two sorted columns without NaN.
    static func exactTests(_ a: [Double], _ b: [Double]) -> ExactSampleTests? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in ExactSampleTests(sortedReference: a, sortedCurrent: b) }
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
