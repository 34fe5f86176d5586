import DriftKernels
import DriftMonitor
import Testing
import TestSupport

/// Sliding and event-time windows are merged from panes; each must judge exactly the records a
/// single tumbling window over the same records would.
@Suite("Windows: sliding, event time, lateness, replay")
struct WindowTests {
    static let features = [Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .numeric), Feature(name: "c", kind: .categorical)]
    static let categories = ["a", "b", "c", "d"]

    struct Record {
        var x: Double
        var y: Double
        var category: String
        var time: Int64
    }

    /// A reference of 20,000 clean rows over a fresh feature space.
    static func fixture() throws -> (FeatureSpace, ReferenceProfile) {
        var space = FeatureSpace()
        try space.declare(features)
        var rng = SeededGenerator(seed: 11)
        var batch = RecordBatch(numericColumns: 2, categoricalColumns: 1, capacity: 20_000)
        var row = DecodedRow(space: space)
        for _ in 0..<20_000 {
            row.numeric[0] = rng.normal()
            row.numeric[1] = rng.normal()
            row.categorical[0] = space.dictionaries[0].code(for: categories[Int(Double.random(in: 0..<1, using: &rng) * 4) % 4])
            batch.append(row, numericSources: [0, 1], categoricalSources: [0])
        }
        return (space, ReferenceProfile(model: "m", features: features, batch: batch, dictionaries: space.dictionaries))
    }

    /// `count` records 10 ms apart, each up to `jitter` ms early, with a pause of `gap.length`
    /// ms before record `gap.at`; from `driftFrom` on, x is shifted by 0.5 and category "d" is
    /// three times as common.
    static func stream(count: Int, driftFrom: Int, jitter: Int64 = 0, gap: (at: Int, length: Int64) = (0, 0), seed: UInt64 = 12) -> [Record] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let drifted = i >= driftFrom
            let u = Double.random(in: 0..<1, using: &rng)
            let category = drifted && u < 0.5 ? "d" : categories[Int(u * 4) % 4]
            let early = jitter > 0 ? Int64(Double.random(in: 0..<1, using: &rng) * Double(jitter)) : 0
            return Record(
                x: rng.normal(mean: drifted ? 0.5 : 0), y: rng.normal(), category: category, time: 1_700_000_000_000 + Int64(i) * 10 - early + (i >= gap.at ? gap.length : 0))
        }
    }

    static func append(_ record: Record, to monitor: Monitor, space: inout FeatureSpace) -> Bool {
        var row = DecodedRow(space: space)
        row.numeric[0] = record.x
        row.numeric[1] = record.y
        row.categorical[0] = space.dictionaries[0].code(for: record.category)
        return monitor.append(row, eventTime: record.time)
    }

    /// Feeds records (offsets from `firstOffset`) and returns every window evaluated.
    static func run(
        _ monitor: Monitor, _ records: ArraySlice<Record>, space: inout FeatureSpace, drain: Bool = true
    ) -> [Monitor.ClosedWindow] {
        var closed: [Monitor.ClosedWindow] = []
        for (offset, record) in zip(records.indices, records) {
            if append(record, to: monitor, space: &space) { monitor.hold(partition: 0, offset: Int64(offset)) }
            while monitor.hasPaneToClose {
                if let window = monitor.closePane(space: space) { closed.append(window) }
            }
        }
        if drain {
            monitor.drainEventTime()
            while monitor.hasPaneToClose {
                if let window = monitor.closePane(space: space) { closed.append(window) }
            }
        }
        return closed
    }

    /// One tumbling window over exactly `records`.
    static func oneShot(_ records: [Record], reference: ReferenceProfile, space: inout FeatureSpace) throws -> WindowReport {
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: records.count, space: space)
        for record in records { _ = append(record, to: monitor, space: &space) }
        return monitor.closeWindow(space: space).report
    }

    /// Equal within `tolerance` relative to the larger of 1 and `expected`, or both NaN.
    static func close(_ value: Double, _ expected: Double, _ tolerance: Double) -> Bool {
        value.isNaN ? expected.isNaN : abs(value - expected) <= tolerance * max(1, abs(expected))
    }

    static func expectSameJudgement(_ window: WindowReport, _ expected: WindowReport, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(window.records == expected.records, sourceLocation: sourceLocation)
        #expect(window.firstEventTime == expected.firstEventTime, sourceLocation: sourceLocation)
        #expect(window.lastEventTime == expected.lastEventTime, sourceLocation: sourceLocation)
        #expect(window.level == expected.level, sourceLocation: sourceLocation)
        for (feature, other) in zip(window.features, expected.features) {
            #expect(feature.name == other.name && feature.level == other.level, sourceLocation: sourceLocation)
            #expect(close(feature.mean, other.mean, 1e-12), sourceLocation: sourceLocation)
            #expect(close(feature.standardDeviation, other.standardDeviation, 1e-9), sourceLocation: sourceLocation)
            #expect(feature.scores.map(\.method) == other.scores.map(\.method), sourceLocation: sourceLocation)
            for (score, otherScore) in zip(feature.scores, other.scores) {
                #expect(close(score.value, otherScore.value, 1e-9), "\(feature.name) \(score.method)", sourceLocation: sourceLocation)
                #expect(close(score.pvalue ?? 0, otherScore.pvalue ?? 0, 1e-9), "\(feature.name) \(score.method)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("A sliding window of records judges the same records as a tumbling one", arguments: [(600, 200), (500, 100), (400, 400)])
    func slidingRecords(size: Int, slide: Int) throws {
        var (space, reference) = try Self.fixture()
        let records = Self.stream(count: 3_000, driftFrom: 1_500)
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), window: .records(size: size, slide: slide), space: space)
        let windows = Self.run(monitor, records[...], space: &space)
        // A window is judged only once it spans `size` records: none of the first panes alone.
        #expect(windows.count == records.count / slide - size / slide + 1)
        for (n, window) in windows.enumerated() {
            let end = (n + size / slide) * slide
            #expect(window.report.index == n)
            #expect(window.offsets == [0: Int64(end - size)...Int64(end - 1)])
            Self.expectSameJudgement(window.report, try Self.oneShot(Array(records[(end - size)..<end]), reference: reference, space: &space))
        }
        #expect(windows.contains { $0.report.level == .drift })
        #expect(windows.first?.report.level == .ok)
    }

    @Test("Event-time windows hold every record of their span, out of order within the allowed lateness", arguments: [(1_000, 1_000), (2_000, 500)])
    func eventTime(size: Int64, slide: Int64) throws {
        var (space, reference) = try Self.fixture()
        // 10 ms apart, up to 300 ms early: out of order, but never by more than the lateness.
        let records = Self.stream(count: 4_000, driftFrom: 2_000, jitter: 300)
        let monitor = try Monitor(
            model: "m", reference: reference, policy: DriftPolicy(), window: .eventTime(size: size, slide: slide, lateness: 300), space: space)
        let windows = Self.run(monitor, records[...], space: &space)
        #expect(monitor.lateRecords == 0)
        let newest = records.map(\.time).max()!
        let firstPane = records[0].time / slide
        // Every window from the first full one to the last one that ends by the newest event.
        let firstEnd: Int64 = (firstPane + size / slide) * slide
        let expectedEnds: [Int64] = Array(stride(from: firstEnd, through: newest, by: Int64.Stride(slide)))
        #expect(windows.map { $0.report.end! } == expectedEnds)
        for window in windows {
            let (start, end) = (window.report.start!, window.report.end!)
            #expect(end - start == size)
            let inside = records.filter { (start..<end).contains($0.time) }
            Self.expectSameJudgement(window.report, try Self.oneShot(inside, reference: reference, space: &space))
        }
        #expect(windows.contains { $0.report.level == .drift })
    }

    @Test("A record for a closed event-time window is counted late, not added")
    func lateRecords() throws {
        var (space, reference) = try Self.fixture()
        var records = Self.stream(count: 3_000, driftFrom: 3_000)
        let base = records[0].time
        // Five records 2 s behind the stream, after 3 s of it: their 1 s windows have closed.
        let late = (0..<5).map { i in Record(x: 0, y: 0, category: "a", time: base + 1_000 + Int64(i)) }
        records.insert(contentsOf: late, at: 300)
        let monitor = try Monitor(
            model: "m", reference: reference, policy: DriftPolicy(), window: .eventTime(size: 1_000, slide: 1_000, lateness: 500), space: space)
        let windows = Self.run(monitor, records[...], space: &space)
        #expect(monitor.lateRecords == 5)
        #expect(windows.map(\.report.lateRecords).reduce(0, +) == 5)
        #expect(windows.first { $0.report.lateRecords > 0 }?.report.start == base - base % 1_000 + 2_000)
        let second = try #require(windows.first { $0.report.start == base - base % 1_000 + 1_000 })
        #expect(second.report.records == 100)
    }

    @Test(
        "A monitor restored from a checkpoint and fed from the lowest held offset judges the next windows as the uninterrupted one",
        arguments: [WindowSpec.records(size: 600, slide: 200), .records(size: 500, slide: 500), .eventTime(size: 2_000, slide: 500, lateness: 300)])
    func replayAfterRestore(window: WindowSpec) throws {
        var (space, reference) = try Self.fixture()
        // A pause of 1.6 s just before the crash leaves event-time panes without records.
        let records = Self.stream(count: 4_000, driftFrom: 1_500, jitter: 200, gap: (1_650, 1_600))
        let policy = DriftPolicy()
        let uninterrupted = try Monitor(model: "m", reference: reference, policy: policy, window: window, space: space)
        let expected = Self.run(uninterrupted, records[...], space: &space)

        let crashed = try Monitor(model: "m", reference: reference, policy: policy, window: window, space: space)
        let before = Self.run(crashed, records[..<1_730], space: &space, drain: false)
        let checkpoint = crashed.checkpoint
        let resume = Int(try #require(crashed.lowestHeldOffset(partition: 0)))
        #expect(resume < 1_730)

        let restarted = try Monitor(model: "m", reference: reference, policy: policy, window: window, space: space)
        restarted.restore(checkpoint)
        let after = Self.run(restarted, records[resume...], space: &space)
        #expect(before.count + after.count == expected.count)
        #expect((before + after).map(\.report.index) == expected.map(\.report.index))
        for (window, original) in zip(after, expected.dropFirst(before.count)) {
            #expect(window.offsets == original.offsets)
            #expect(window.actions == original.actions)
            Self.expectSameJudgement(window.report, original.report)
        }
        #expect(restarted.stateMachine.state == uninterrupted.stateMachine.state)
    }

    @Test("Event times at the ends of the Int64 range close their windows without overflowing")
    func extremeEventTimes() throws {
        var (space, reference) = try Self.fixture()
        let monitor = try Monitor(
            model: "m", reference: reference, policy: DriftPolicy(), window: .eventTime(size: 1_000, slide: 1_000, lateness: 5), space: space)
        let times: [Int64] = [.min, .max - 10, .max]
        let windows = Self.run(monitor, times.map { Record(x: 0, y: 0, category: "a", time: $0) }[...], space: &space)
        // The pane holding .max ends past the range: it saturates to .max and closes at the end.
        #expect(windows.map(\.report.records) == [1, 2])
        #expect(windows.first?.report.start == .min)
        #expect(windows.last?.report.end == .max)
    }

    @Test(
        "Window settings read from configuration",
        arguments: [
            (WindowSettings(), "1000 records"),
            (WindowSettings(records: 600, slide: "200"), "600 records every 200"),
            (WindowSettings(duration: "1h", slide: "15m", allowedLateness: "90s"), "3600000ms of event time every 900000ms, 90000ms allowed lateness"),
            (WindowSettings(duration: "250ms"), "250ms of event time, 0ms allowed lateness"),
            (WindowSettings(duration: "30"), "30000ms of event time, 0ms allowed lateness"),
            (WindowSettings(records: 600, slide: "250"), "invalid drift policy: window.slide 250 must divide window.records 600"),
            (WindowSettings(records: 10, duration: "1m"), "invalid drift policy: window has both records and duration; choose one"),
            (WindowSettings(duration: "5 minutes"), "invalid drift policy: window.duration '5 minutes' is not a duration (like 250ms, 90s, 5m, 1h)"),
            (WindowSettings(records: 10, allowedLateness: "1m"), "invalid drift policy: window.allowed_lateness applies to duration windows only"),
            (WindowSettings(duration: "1h", slide: "1s"), "invalid drift policy: a window of 3600 slides is more than 360; make the slide longer"),
        ])
    func settings(settings: WindowSettings, expected: String) {
        do {
            #expect(try settings.spec(defaultRecords: 1_000).description == expected)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("A batch holds at most 64 KiB of columns by default: 1,024 rows of a few features, 128 of 50, never under 64", arguments: [
        (1, 1_024), (8, 1_024), (16, 512), (20, 256), (25, 256), (50, 128), (100, 64), (3_000, 64),
    ])
    func batchCapacityByColumns(columns: Int, rows: Int) throws {
        #expect(Monitor.defaultBatchCapacity(columns: columns) == rows)
        #expect(rows == 64 || rows * columns * 8 <= 64 << 10)
        var space = FeatureSpace()
        let features = (0..<columns).map { Feature(name: "f\($0)", kind: .numeric) }
        try space.declare(features)
        var batch = RecordBatch(numericColumns: columns, categoricalColumns: 0, capacity: 8)
        var row = DecodedRow(space: space)
        for value in 0..<8 {
            row.numeric = [Double](repeating: Double(value), count: columns)
            batch.append(row, numericSources: Array(0..<columns), categoricalSources: [])
        }
        let reference = ReferenceProfile(model: "m", features: features, batch: batch, dictionaries: space.dictionaries)
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: 100, space: space)
        #expect(monitor.batchCapacity == rows)
    }
}
