import DriftKernels
import DriftMonitor
import Testing
import TestSupport

/// The default rule flags on effect sizes with the test's p-value as supporting evidence.
@Suite("Decision rule at small and large windows")
struct DecisionRuleTests {
    typealias Level = FeatureDrift.Level

    /// A monitor whose reference is 50,000 rows of two independent standard normals.
    static func monitor(windowRecords: Int) throws -> (Monitor, FeatureSpace) {
        var rng = SeededGenerator(seed: 1)
        let (space, reference) = try NormalReference.make(model: "m", rows: 50_000, rng: &rng)
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: windowRecords, space: space)
        return (monitor, space)
    }

    /// Feeds a window where x is shifted by `shift` standard deviations and y is clean.
    static func window(_ monitor: Monitor, space: FeatureSpace, records: Int, shift: Double, seed: UInt64) -> WindowReport {
        var rng = SeededGenerator(seed: seed)
        var row = DecodedRow(space: space)
        for _ in 0..<records {
            row.numeric[0] = rng.normal(mean: shift)
            row.numeric[1] = rng.normal()
            monitor.append(row, eventTime: nil)
        }
        return monitor.closeWindow(space: space).report
    }

    @Test("A 100k-row window with a 0.03-sigma shift: KS rejects, the rule does not flag")
    func largeWindowNoFalseAlarm() throws {
        let (monitor, space) = try Self.monitor(windowRecords: 100_000)
        let report = Self.window(monitor, space: space, records: 100_000, shift: 0.03, seed: 2)
        let x = try #require(report.features.first { $0.name == "x" })
        // The p-value alone would alarm: the shift is real but negligible.
        #expect(try #require(x.score(.ks)?.pvalue) < 0.05)
        #expect(try #require(x.score(.psi)?.value) < 0.01)
        #expect(x.level == .ok)
        #expect(report.level == .ok)
    }

    @Test("A 0.6-sigma shift is drift at any window size; its clean neighbour is not", arguments: [300, 5_000, 100_000])
    func realShiftFlagged(records: Int) throws {
        let (monitor, space) = try Self.monitor(windowRecords: records)
        let report = Self.window(monitor, space: space, records: records, shift: 0.6, seed: 3)
        let x = try #require(report.features.first { $0.name == "x" })
        let y = try #require(report.features.first { $0.name == "y" })
        #expect(x.level == .drift, "x scores \(x.scores)")
        #expect(y.level == .ok, "y scores \(y.scores)")
        #expect(report.driftedFeatures.map(\.name) == ["x"])
    }

    @Test("Small clean windows stay ok: the p-value vetoes sampling noise in the effect sizes")
    func smallWindowsStayQuiet() throws {
        let (monitor, space) = try Self.monitor(windowRecords: 60)
        var raisedByEffectAlone = 0
        var flagged = 0
        for seed in 0..<200 {
            let report = Self.window(monitor, space: space, records: 60, shift: 0, seed: UInt64(100 + seed))
            for feature in report.features {
                let policy = DriftPolicy()
                if policy.verdict(scores: feature.scores, pvalue: nil).level > .ok { raisedByEffectAlone += 1 }
                if feature.level > .ok { flagged += 1 }
            }
        }
        // Without the p-value many of the 400 clean feature-windows would warn; with it, few.
        #expect(raisedByEffectAlone > 40)
        #expect(flagged <= 20)
    }

    @Test("The reference carries a PCA baseline, and windows report against it")
    func multivariateReported() throws {
        let (monitor, space) = try Self.monitor(windowRecords: 5_000)
        let report = Self.window(monitor, space: space, records: 5_000, shift: 0, seed: 9)
        let multivariate = try #require(report.multivariate)
        #expect(multivariate.components == 1)
        #expect(!multivariate.drifted)
        #expect(multivariate.lowerThreshold < multivariate.reconstructionError && multivariate.reconstructionError < multivariate.upperThreshold)
    }

    @Test("The window's PCA error, folded in 64-row chunks of each 1,024-row batch, equals the basis' error over the whole window at once")
    func reconstructionInChunks() throws {
        let (monitor, space) = try Self.monitor(windowRecords: 5_000)
        let report = Self.window(monitor, space: space, records: 5_000, shift: 0.5, seed: 9)
        let basis = try #require(monitor.reference.multivariate?.basis)
        var rng = SeededGenerator(seed: 9)
        var x: [Double] = []
        var y: [Double] = []
        for _ in 0..<5_000 {
            x.append(rng.normal(mean: 0.5))
            y.append(rng.normal())
        }
        var matrix = ColumnMatrix(columns: [x, y])
        var whole = PrincipalComponents.ErrorSum()
        var scratch = PrincipalComponents.Scratch()
        basis.accumulateErrors(standardisingInPlace: &matrix, into: &whole, scratch: &scratch)
        let multivariate = try #require(report.multivariate)
        #expect(whole.rows == 5_000)
        #expect(abs(multivariate.reconstructionError - whole.mean) <= 1e-12 * whole.mean, "\(multivariate.reconstructionError) against \(whole.mean)")
    }

    @Test("A vector's PCA error and projected points, folded in 64-row chunks of a 600-row batch, equal the basis applied to the whole batch at once")
    func vectorReconstructionInChunks() throws {
        let d = 8
        var rng = SeededGenerator(seed: 31)
        func rows(_ count: Int, shift: Double) -> [[Double]] {
            (0..<count).map { _ in
                let common = rng.normal()
                return (0..<d).map { k in common * Double(k + 1) / Double(d) + rng.normal(mean: k == 0 ? shift : 0, standardDeviation: 0.5) }
            }
        }
        let features = [Feature(name: "vector", kind: .vector, dimension: d)]
        var space = FeatureSpace()
        try space.declare(features)
        let reference = ReferenceProfile(
            model: "m", features: features, batch: try RecordBatch(vectorRows: rows(1_000, shift: 0), dimension: d), dictionaries: [])
        let basis = try #require(reference.features.first?.vector?.reconstruction?.basis)
        let window = rows(600, shift: 0.5)
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: 600, space: space)
        monitor.add(try RecordBatch(vectorRows: window, dimension: d))
        let report = monitor.closeWindow(space: space).report
        guard let feature = report.features.first, let evidence = feature.vector else {
            Issue.record("no vector feature in the report")
            return
        }

        var matrix = ColumnMatrix(rows: 0, columns: d)
        let flat = window.flatMap { $0 }
        flat.withUnsafeBufferPointer { matrix.load(rowMajor: $0) }
        var whole = PrincipalComponents.ErrorSum()
        var scratch = PrincipalComponents.Scratch()
        basis.accumulateErrors(standardisingInPlace: &matrix, into: &whole, scratch: &scratch)
        let error = feature.score(.pcaReconstruction)?.value ?? .nan
        #expect(whole.rows == 600 && abs(error - whole.mean) <= 1e-12 * whole.mean, "\(error) against \(whole.mean)")
        // The window's first 100 rows on the first two axes, from the standardised whole batch.
        var expected: [Double] = []
        for row in 0..<100 {
            expected.append((0..<d).reduce(0) { $0 + matrix[row, $1] * basis.components[$1] })
            expected.append((0..<d).reduce(0) { $0 + matrix[row, $1] * basis.components[d + $1] })
        }
        #expect(evidence.windowProjection.count == 200)
        #expect(zip(evidence.windowProjection, expected).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
    }

    @Test("A boolean feature is tested with the two-proportion z-test", arguments: [(0.10, Level.ok), (0.30, Level.drift)])
    func booleanFeature(currentShare: Double, expected: Level) throws {
        let features = [Feature(name: "flag", kind: .categorical)]
        var space = FeatureSpace()
        try space.declare(features)
        var rng = SeededGenerator(seed: 21)
        var batch = RecordBatch(numericColumns: 0, categoricalColumns: 1, capacity: 20_000)
        var row = DecodedRow(space: space)
        for _ in 0..<20_000 {
            row.categorical[0] = space.dictionaries[0].code(for: Double.random(in: 0..<1, using: &rng) < 0.1 ? "true" : "false")
            batch.append(row, numericSources: [], categoricalSources: [0])
        }
        let reference = ReferenceProfile(model: "m", features: features, batch: batch, dictionaries: space.dictionaries)
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: 5_000, space: space)
        var trues = 0
        for _ in 0..<5_000 {
            let flag = Double.random(in: 0..<1, using: &rng) < currentShare
            trues += flag ? 1 : 0
            row.categorical[0] = space.dictionaries[0].code(for: flag ? "true" : "false")
            monitor.append(row, eventTime: nil)
        }
        let feature = try #require(monitor.closeWindow(space: space).report.features.first)
        let score = try #require(feature.score(.twoProportion))
        let referenceTrue = reference.features[0].categoryCounts![reference.features[0].categories!.firstIndex(of: "true")!]
        let expectedTest = TwoProportion.test(referenceTrue: referenceTrue, referenceCount: 20_000, currentTrue: trues, currentCount: 5_000)
        #expect(score.value == expectedTest.statistic && score.pvalue == expectedTest.pvalue)
        #expect(feature.level == expected)
    }
}
