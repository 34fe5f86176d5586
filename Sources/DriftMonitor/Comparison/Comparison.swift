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
    /// How long each step took (`compare --timings`).
    public var timings: Timings

    /// The wall time of each step of the comparison.
    public struct Timings: Sendable {
        /// The reference's profile: its numeric columns sorted and profiled, its PCA fitted beside them.
        public var reference: Duration
        /// The current records as one window, and beside it the sample tests.
        public var window: Duration
    }

    /// - Parameters: both batches hold `features` in order (numeric columns, then categorical),
    ///   categorical codes from their own dictionaries.
    public init(
        features: [Feature], reference: RecordBatch, referenceDictionaries: [CategoryDictionary], current: RecordBatch,
        currentDictionaries: [CategoryDictionary], policy: DriftPolicy
    ) throws(SchemaError) {
        let started = ContinuousClock.now
        let numericNames = features.filter { $0.kind == .numeric }.map(\.name)
        let (referenceColumns, multivariateFit) = Self.referenceColumns(names: numericNames, reference.numeric, bins: policy.bins)
        let profile = ReferenceProfile(
            model: nil, features: features, batch: reference, dictionaries: referenceDictionaries, bins: policy.bins,
            fineBins: ReferenceProfile.defaultFineBins, version: nil, numericProfiles: referenceColumns.map(\.profile),
            multivariateFit: multivariateFit)
        let profiled = ContinuousClock.now
        var space = FeatureSpace()
        try space.declare(features)
        space.dictionaries = currentDictionaries
        let (window, exact) = Self.judge(current, space: space, profile: profile, policy: policy, sortedReferences: referenceColumns.map(\.sorted))
        var report = try window.get()
        timings = Timings(reference: profiled - started, window: ContinuousClock.now - profiled)

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

    /// The reference's numeric columns, in parallel: each sorted once, for its feature profile
    /// and later the sample tests; beside them the PCA baseline, the longest piece of work.
    static func referenceColumns(
        names: [String], _ reference: [[Double]], bins: Int
    ) -> (columns: [(profile: FeatureProfile, sorted: [Double])], multivariate: ReferenceProfile.MultivariateFit) {
        let results = Mutex([(profile: FeatureProfile, sorted: [Double])?](repeating: nil, count: reference.count))
        let multivariate = Mutex(ReferenceProfile.MultivariateFit())
        // Iteration 0, taken first, is the fit.
        DispatchQueue.concurrentPerform(iterations: reference.count + 1) { iteration in
            guard iteration > 0 else {
                let fit = ReferenceProfile.multivariateFit(of: reference)
                multivariate.withLock { $0 = fit }
                return
            }
            let column = iteration - 1
            let sorted = ReferenceProfile.sorted(reference[column])
            let profile = ReferenceProfile.numericProfile(
                name: names[column], column: reference[column], sorted: sorted, bins: bins, fineBins: ReferenceProfile.defaultFineBins)
            results.withLock { $0[column] = (profile, sorted) }
        }
        return (results.withLock { $0.map { $0! } }, multivariate.withLock { $0 })
    }

    /// The current records as one window of a ``Monitor`` on `profile`, and beside it, in
    /// parallel, each numeric column sorted and its sample tests against the sorted reference.
    static func judge(
        _ current: RecordBatch, space: FeatureSpace, profile: ReferenceProfile, policy: DriftPolicy, sortedReferences: [[Double]]
    ) -> (window: Result<WindowReport, SchemaError>, exact: [ExactSampleTests?]) {
        let exact = Mutex([ExactSampleTests?](repeating: nil, count: sortedReferences.count))
        let window = Mutex<Result<WindowReport, SchemaError>?>(nil)
        // Iteration 0, taken first, is the window: one thread's work from start to end.
        DispatchQueue.concurrentPerform(iterations: sortedReferences.count + 1) { iteration in
            guard iteration > 0 else {
                let report = Result { () throws(SchemaError) -> WindowReport in
                    let monitor = try Monitor(model: "compare", reference: profile, policy: policy, windowRecords: current.count, space: space)
                    monitor.add(current)
                    return monitor.closeWindow(space: space).report
                }
                window.withLock { $0 = report }
                return
            }
            let column = iteration - 1
            let tests = exactTests(sortedReferences[column], ReferenceProfile.sorted(current.numeric[column]))
            exact.withLock { $0[column] = tests }
        }
        return (window.withLock { $0! }, exact.withLock { $0 })
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
