@testable import DriftMonitor
import DriftKernels
import Testing

/// The monitor's data-quality measures on generated windows, each compared with a direct count
/// over the same values, and the policy's limits on them.
@Suite("Data-quality measures")
struct QualityMeasuresTests {
    static let features = [
        Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .numeric), Feature(name: "c", kind: .categorical),
        Feature(name: "gone", kind: .numeric),
    ]

    /// A reference of 5,000 rows where every feature varies.
    func monitor(policy: DriftPolicy = DriftPolicy(), batchCapacity: Int = 64) throws -> (Monitor, FeatureSpace) {
        var space = FeatureSpace()
        try space.declare(Self.features)
        var generator = SeededGenerator(seed: 11)
        var batch = RecordBatch(numericColumns: 3, categoricalColumns: 1, capacity: 5_000)
        var row = DecodedRow(space: space)
        for _ in 0..<5_000 {
            let x = generator.normal(mean: 0, standardDeviation: 1)
            let y = generator.normal(mean: 5, standardDeviation: 2)
            row.numeric = [x, y, Double.random(in: 0..<1, using: &generator)]
            let category = ["a", "b", "c"][Int.random(in: 0..<3, using: &generator)]
            row.categorical = [space.dictionaries[0].code(for: category)]
            batch.append(row, numericSources: [0, 1, 2], categoricalSources: [0])
        }
        let reference = ReferenceProfile(model: "m", features: Self.features, batch: batch, dictionaries: space.dictionaries)
        let monitor = try Monitor(model: "m", reference: reference, policy: policy, windowRecords: 1_000, space: space, batchCapacity: batchCapacity)
        return (monitor, space)
    }

    @Test("Repeats, non-finite values, constants, duplicates, unknown fields, absent features and event age", arguments: [7, 64, 4096])
    func measures(batchCapacity: Int) throws {
        var policy = DriftPolicy()
        policy.quality[.repeatedRatio] = 0.3
        policy.quality[.constant] = 0
        policy.quality[.nonFiniteRatio] = 0.01
        policy.quality[.absentFeatures] = 0
        policy.quality[.duplicateRatio] = 0.05
        policy.quality[.unknownFieldRatio] = 0.5
        policy.quality[.eventAgeSeconds] = 60
        let (monitor, initialSpace) = try monitor(policy: policy, batchCapacity: batchCapacity)
        var space = initialSpace
        var generator = SeededGenerator(seed: 5)
        var row = DecodedRow(space: space)
        var xs: [Double] = []
        var nonFinite = 0
        var duplicates = 0
        var unknown = 0
        let code = space.dictionaries[0].code(for: "b")
        for i in 0..<1_000 {
            row.reset()
            // x sticks for runs of random length, with gaps of missing values inside the runs.
            let x = !xs.isEmpty && Bool.random(using: &generator) ? xs[xs.count - 1] : generator.normal(mean: 0, standardDeviation: 1)
            if i % 13 == 0 {
                row.set(number: i % 26 == 0 ? .nan : -.infinity, index: 0, slot: 0)
                nonFinite += 1
            } else {
                row.set(number: x, index: 0, slot: 0)
                xs.append(x)
            }
            row.set(number: generator.normal(mean: 5, standardDeviation: 2), index: 1, slot: 1)
            row.categorical[0] = code
            var flags: Monitor.RecordFlags = []
            let id = Array("r\(i % 900)".utf8)
            if id.withUnsafeBytes({ monitor.isDuplicate(requestID: $0) }) {
                flags.insert(.duplicate)
                duplicates += 1
            }
            if i % 3 == 0 {
                flags.insert(.unknownFields)
                unknown += 1
            }
            monitor.append(row, eventTime: 1_000_000 + Int64(i), flags: flags)
            if i % 3 == 0 { Array("field\(i % 40)".utf8).withUnsafeBytes { monitor.noteUnknownField(named: $0) } }
        }
        let repeats = zip(xs.dropFirst(), xs).filter { $0 == $1 }.count
        let (report, actions) = monitor.closeWindow(space: space, wallTime: 1_000_999 + 90_000)
        let x = report.features[0]
        #expect(x.repeatedRatio == Double(repeats) / Double(xs.count - 1))
        #expect(x.nonFiniteRatio == Double(nonFinite) / 1_000)
        #expect(x.missingRatio == Double(nonFinite) / 1_000)
        #expect(!x.isConstant)
        let y = try #require(report.features.first { $0.name == "y" })
        let c = try #require(report.features.first { $0.name == "c" })
        #expect(y.repeatedRatio == 0 && !y.isConstant)
        #expect(c.isConstant && c.repeatedRatio == 0)
        #expect(report.absentFeatures == ["gone"])
        #expect(report.duplicateRatio == Double(duplicates) / 1_000 && duplicates == 100)
        #expect(report.unknownFieldRatio == Double(unknown) / 1_000)
        #expect(report.unknownFields == (0..<8).map { "field\($0 * 3 % 40)" })
        #expect(report.eventAgeSeconds == 90)
        let breaches = report.qualityBreaches.map { "\($0.feature ?? "*") \($0.check.rawValue)" }
        #expect(
            breaches == [
                "x non_finite_ratio", "x repeated_ratio", "c constant", "* duplicate_ratio", "* absent_features", "* event_age_seconds",
            ])
        #expect(actions.isEmpty)  // one breached window of the two the policy needs
    }

    @Test("Request ids are remembered for one to two generations")
    func recentRequests() {
        var recent = RecentRequests()
        let size = RecentRequests.generationSize
        func seen(_ i: Int) -> Bool { Array("id-\(i)".utf8).withUnsafeBytes { recent.insert($0) } }
        #expect((0..<size).allSatisfy { !seen($0) })
        // The first generation is now the previous one: all still caught.
        #expect((0..<size).allSatisfy { seen($0) })
        #expect((size..<2 * size).allSatisfy { !seen($0) })
        // Two generations on, the first ids are forgotten.
        #expect(!seen(0))
        #expect(seen(2 * size - 1))
    }

    @Test("A constant feature is not flagged when the reference never varied either")
    func constantReference() throws {
        var space = FeatureSpace()
        let features = [Feature(name: "k", kind: .numeric), Feature(name: "v", kind: .numeric)]
        try space.declare(features)
        var batch = RecordBatch(numericColumns: 2, categoricalColumns: 0, capacity: 100)
        var row = DecodedRow(space: space)
        for i in 0..<100 {
            row.numeric = [1, Double(i)]
            batch.append(row, numericSources: [0, 1], categoricalSources: [])
        }
        var policy = DriftPolicy()
        policy.quality[.constant] = 0
        let reference = ReferenceProfile(model: "m", features: features, batch: batch, dictionaries: [])
        let monitor = try Monitor(model: "m", reference: reference, policy: policy, windowRecords: 100, space: space)
        for _ in 0..<100 {
            row.numeric = [1, 7]
            monitor.append(row, eventTime: nil)
        }
        let report = monitor.closeWindow(space: space).report
        #expect(report.features.map(\.isConstant) == [true, true])
        #expect(report.qualityBreaches.map { $0.feature } == ["v"])
        #expect(report.eventAgeSeconds == nil)
    }
}
