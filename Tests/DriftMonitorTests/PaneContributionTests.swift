import DriftKernels
import DriftMonitor
import Foundation
import Testing
import TestSupport

/// Scale-out: members summarise their partitions' share of each event-time pane, the
/// aggregator merges the shares. Its windows must be those of one monitor reading everything.
@Suite("Pane contributions: two members and an aggregator judge as one monitor")
struct PaneContributionTests {
    typealias Record = WindowTests.Record

    /// Shares through JSON, as they travel on the summaries topic.
    static func roundTrip(_ contribution: PaneContribution) throws -> PaneContribution {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(PaneContribution.self, from: encoder.encode(contribution))
    }

    /// A member reading `records` from its one partition: its shares, in the order it sends them.
    static func member(
        _ records: [Record], partition: Int32, reference: ReferenceProfile, window: WindowSpec, categoryOrder: [String]
    ) throws -> [PaneContribution] {
        var space = FeatureSpace()
        try space.declare(WindowTests.features)
        // Each agent numbers categories in the order it meets them.
        for name in categoryOrder { _ = space.dictionaries[0].code(for: name) }
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: window, space: space)
        let source = PaneContribution.Source(topic: "logs", partition: partition)
        var shares: [PaneContribution] = []
        func close() {
            while monitor.hasPaneToClose {
                if let closed = monitor.closeContribution(space: space, sources: [source], member: "member-\(partition)") {
                    shares.append(closed.contribution)
                }
            }
        }
        for (offset, record) in records.enumerated() {
            if WindowTests.append(record, to: monitor, space: &space) { monitor.hold(partition: 0, offset: Int64(offset)) }
            close()
        }
        monitor.drainEventTime()
        close()
        return shares
    }

    @Test(
        "Shares of two members, merged, judge every window as one monitor over all records",
        arguments: [WindowSpec.eventTime(size: 1_000, slide: 1_000, lateness: 300), .eventTime(size: 2_000, slide: 500, lateness: 300)])
    func mergedEqualsOne(window: WindowSpec) throws {
        var (space, reference) = try WindowTests.fixture()
        let records = WindowTests.stream(count: 4_000, driftFrom: 2_000, jitter: 300)
        let single = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: window, space: space)
        let expected = WindowTests.run(single, records[...], space: &space)

        // Two partitions: even and odd records; the second member meets categories in reverse.
        let even = records.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let odd = records.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let shares = [
            try Self.member(even, partition: 0, reference: reference, window: window, categoryOrder: ["a", "b", "c", "d"]),
            try Self.member(odd, partition: 1, reference: reference, window: window, categoryOrder: ["d", "c", "b", "a"]),
        ]
        #expect(shares.allSatisfy { !$0.isEmpty })

        // The aggregator: its own feature space, shares interleaved as two producers' would be.
        var aggregatorSpace = FeatureSpace()
        try aggregatorSpace.declare(WindowTests.features)
        let aggregator = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: window, space: aggregatorSpace)
        var coverage = PaneCoverage(sources: [.init(topic: "logs", partition: 0), .init(topic: "logs", partition: 1)])
        var windows: [Monitor.ClosedWindow] = []
        var next = [0, 0]
        var turn = 0
        while next[0] < shares[0].count || next[1] < shares[1].count {
            // Member 0 runs ahead by up to three shares, then member 1 catches up.
            let member = next[turn] < shares[turn].count ? turn : 1 - turn
            let share = try Self.roundTrip(shares[member][next[member]])
            next[member] += 1
            if next[0] % 3 == 0 { turn = 1 - turn }
            let admitted = coverage.admit(share)
            #expect(admitted)
            let merged = try aggregator.merge(share, space: &aggregatorSpace)
            #expect(merged)
            aggregator.completePanes(before: coverage.completeBefore)
            while aggregator.hasPaneToClose {
                if let window = aggregator.closePane(space: aggregatorSpace) { windows.append(window) }
            }
        }
        #expect(windows.map(\.report.start) == expected.map(\.report.start))
        #expect(windows.map(\.report.end) == expected.map(\.report.end))
        for (window, one) in zip(windows, expected) {
            WindowTests.expectSameJudgement(window.report, one.report)
            #expect(window.actions == one.actions)
            #expect(window.report.features.map(\.newCategoryRatio) == one.report.features.map(\.newCategoryRatio))
        }
        #expect(expected.contains { $0.report.level == .drift })

        // A share sent again is not merged twice; one for a judged pane is not merged at all.
        let replay = shares[0].last!
        let admittedAgain = coverage.admit(replay)
        #expect(!admittedAgain)
        let judged = shares[1].first!
        let mergedAgain = try aggregator.merge(judged, space: &aggregatorSpace)
        #expect(!mergedAgain)
    }

    @Test("A share against another reference, slide or feature set, or with impossible counts, is refused with the reason")
    func refused() throws {
        var (space, reference) = try WindowTests.fixture()
        let window = WindowSpec.eventTime(size: 1_000, slide: 1_000, lateness: 0)
        let share = try Self.member(
            WindowTests.stream(count: 500, driftFrom: 500), partition: 0, reference: reference, window: window, categoryOrder: [])[0]
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: window, space: space)
        var other = share
        other.referenceVersion = "sha256:other"
        #expect(throws: ContributionError.self) { var copy = space; _ = try monitor.merge(other, space: &copy) }
        other = share
        other.slideMilliseconds = 500
        #expect(throws: ContributionError.self) { var copy = space; _ = try monitor.merge(other, space: &copy) }
        other = share
        other.numeric.removeLast()
        #expect(throws: ContributionError.self) { var copy = space; _ = try monitor.merge(other, space: &copy) }
        other = share
        other.categorical[0].counts["a"] = -5
        #expect(throws: ContributionError.self) { var copy = space; _ = try monitor.merge(other, space: &copy) }
        other = share
        other.records = Int.max
        #expect(throws: ContributionError.self) { var copy = space; _ = try monitor.merge(other, space: &copy) }
        let counted = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: 100, space: space)
        #expect(throws: ContributionError.self) { var copy = space; _ = try counted.merge(share, space: &copy) }
        let merged = try monitor.merge(share, space: &space)
        #expect(merged)

        // Pane keys come from outside too: the largest one neither traps nor hangs.
        other = share
        other.pane = .max
        var coverage = PaneCoverage(sources: other.sources)
        let admitted = coverage.admit(other)
        #expect(admitted && coverage.completeBefore == .max)
        let mergedLast = try monitor.merge(other, space: &space)
        #expect(mergedLast)
        monitor.completePanes(before: coverage.completeBefore)
        var closed = 0
        while monitor.hasPaneToClose && closed < 10 {
            _ = monitor.closePane(space: space)
            closed += 1
        }
        #expect(closed < 10)
    }
}

extension PaneContributionTests {
    @Test("Vector features: the shares of two members, merged through JSON, give each window the MMD², distances and reconstruction error of one monitor over all rows")
    func vectorShares() throws {
        let d = 6
        let features = [Feature(name: "v", kind: .vector, dimension: d)]
        var space = FeatureSpace()
        try space.declare(features)
        var rng = SeededGenerator(seed: 21)
        func rows(_ count: Int, shift: Double) -> [[Double]] {
            (0..<count).map { _ in (0..<d).map { k in rng.normal() + (k < 2 ? shift : 0) } }
        }
        let referenceBatch = try RecordBatch(vectorRows: rows(600, shift: 0), dimension: d)
        var row = DecodedRow(space: space)
        let reference = ReferenceProfile(model: "m", features: features, batch: referenceBatch, dictionaries: [])
        let window = WindowSpec.eventTime(size: 1_000, slide: 1_000, lateness: 0)
        // 800 rows 5 ms apart, the last half shifted.
        let stream = rows(400, shift: 0) + rows(400, shift: 0.8)
        func feed(_ monitor: Monitor, _ indexes: [Int], close: () -> Void) {
            for i in indexes {
                row.reset()
                for value in stream[i] { row.appendVectorValue(value, index: 0) }
                row.timestampMilliseconds = Int64(i * 5)
                monitor.append(row, eventTime: nil)
                close()
            }
            monitor.drainEventTime()
            close()
        }
        let single = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: window, space: space)
        var expected: [WindowReport] = []
        feed(single, Array(stream.indices)) {
            while single.hasPaneToClose { if let closed = single.closePane(space: space) { expected.append(closed.report) } }
        }
        var shares: [PaneContribution] = []
        for partition in 0..<2 {
            let member = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: window, space: space)
            let source = PaneContribution.Source(topic: "logs", partition: Int32(partition))
            feed(member, stream.indices.filter { $0 % 2 == partition }) {
                while member.hasPaneToClose {
                    if let closed = member.closeContribution(space: space, sources: [source], member: "member-\(partition)") {
                        shares.append(try! Self.roundTrip(closed.contribution))  // JSON of our own encoding
                    }
                }
            }
        }
        var aggregatorSpace = space
        let aggregator = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: window, space: aggregatorSpace)
        var coverage = PaneCoverage(sources: [.init(topic: "logs", partition: 0), .init(topic: "logs", partition: 1)])
        var windows: [WindowReport] = []
        for share in shares.sorted(by: { ($0.pane, $0.member) < ($1.pane, $1.member) }) {
            let admitted = coverage.admit(share)
            let merged = try aggregator.merge(share, space: &aggregatorSpace)
            #expect(admitted && merged)
            aggregator.completePanes(before: coverage.completeBefore)
            while aggregator.hasPaneToClose { if let closed = aggregator.closePane(space: aggregatorSpace) { windows.append(closed.report) } }
        }
        #expect(windows.count == expected.count && windows.count >= 3, "\(windows.count) merged windows, \(expected.count) of one monitor, \(shares.count) shares")
        for (merged, one) in zip(windows, expected) {
            let (a, b) = (try #require(merged.features.first), try #require(one.features.first))
            #expect(a.count == b.count && a.level == b.level)
            for method in [FeatureDrift.Method.mmd, .meanDistance, .meanCosineDistance, .pcaReconstruction] {
                let (x, y) = (a.score(method)?.value ?? .nan, b.score(method)?.value ?? .nan)
                #expect(abs(x - y) <= 1e-12 * max(1, abs(y)), "\(method): merged \(x), one monitor \(y)")
            }
            #expect(a.driftThreshold == b.driftThreshold)
        }
        #expect(expected.first?.features.first?.level == .ok && expected.last?.features.first?.level == .drift)

        // A share whose vector summary has another shape, or an impossible count, is refused.
        var other = try #require(shares.first)
        other.vectors = []
        #expect(throws: ContributionError.self) { var copy = space; _ = try aggregator.merge(other, space: &copy) }
        other = try #require(shares.first)
        other.vectors?[0].missing = -1
        #expect(throws: ContributionError.self) { var copy = space; _ = try aggregator.merge(other, space: &copy) }
    }
}
