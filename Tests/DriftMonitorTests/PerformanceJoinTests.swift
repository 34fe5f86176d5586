import DriftKernels
import DriftMonitor
import Testing

/// Predictions joined with labels that come later, per window, with no Kafka.
@Suite("Label join")
struct PerformanceJoinTests {
    static let hour: Int64 = 3_600_000

    /// `count` binary predictions (id, score, label) of a seeded stream.
    static func stream(_ count: Int, seed: UInt64, firstID: UInt64 = 1) -> [(id: UInt64, score: Double, label: Double)] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let score = Double.random(in: 0..<1, using: &rng)
            return (firstID + UInt64(i), score, Double.random(in: 0..<1, using: &rng) < score ? 1 : 0)
        }
    }

    @Test("Labels before or after their prediction join alike; a window finishes once closed and every prediction joined")
    func joining() {
        var join = PerformanceJoin(task: .binary, maxDelayMilliseconds: Self.hour, now: 0)
        let records = Self.stream(1_000, seed: 1)
        var direct = PerformanceTally(task: .binary)
        for (i, record) in records.enumerated() {
            direct.add(label: record.label, prediction: record.score)
            // One label in three comes first.
            if i % 3 == 0 { join.label(id: record.id, value: record.label, partition: 1, offset: Int64(i), now: 0) }
            join.prediction(id: record.id, value: record.score, window: i / 500, partition: 0, offset: Int64(i))
        }
        #expect(join.waitingLabels == 0)
        #expect(join.windowClosed(0, now: 10)?.count == 500, "the estimate covers every prediction of the window")
        #expect(join.finish(now: 10).isEmpty, "labels still to come")
        for (i, record) in records.enumerated() where i % 3 != 0 {
            join.label(id: record.id, value: record.label, partition: 1, offset: 1_000 + Int64(i), now: 20)
        }
        let finished = join.finish(now: 20)
        #expect(finished.map(\.window) == [0], "window 1 is not closed yet")
        _ = join.windowClosed(1, now: 30)
        let second = join.finish(now: 30)
        #expect(second.map(\.window) == [1])
        var merged = finished[0].tally
        merged.merge(second[0].tally)
        // The same pairs, summed in another order: equal counts, sums to rounding.
        #expect(merged.count == direct.count)
        for metric in ModelTask.binary.metrics {
            #expect(abs(merged.value(of: metric) - direct.value(of: metric)) < 1e-12, "\(metric)")
        }
        if case .binary(let a) = merged, case .binary(let b) = direct {
            #expect(a.scores == b.scores && a.calibration.counts == b.calibration.counts)
        }
        #expect(join.takeCounts() == .init(joined: 1_000, expired: 0, unmatched: 0))
        #expect(join.waitingPredictions == 0 && join.heldOffsets().isEmpty)
    }

    @Test("Predictions wait up to the delay after their window closed, then expire; labels with no prediction are unmatched")
    func expiry() {
        var join = PerformanceJoin(task: .regression, maxDelayMilliseconds: Self.hour, now: 0)
        for i in 0..<100 { join.prediction(id: UInt64(i + 1), value: Double(i), window: 0, partition: 0, offset: Int64(i)) }
        for i in 0..<60 { join.label(id: UInt64(i + 1), value: Double(i) + 1, partition: 1, offset: Int64(i), now: 1_000) }
        join.label(id: 999, value: 1, partition: 1, offset: 60, now: 1_000)
        #expect(join.windowClosed(0, now: 2_000) == nil, "no estimate for regression")
        #expect(join.finish(now: 2_000 + Self.hour - 1).isEmpty)
        #expect(join.heldOffsets() == [0: 0, 1: 0])
        let finished = join.finish(now: 2_000 + Self.hour)
        #expect(finished.count == 1)
        #expect(finished.first?.expired == 40)
        #expect(finished.first?.tally.count == 60)
        #expect(finished.first?.tally.value(of: .mae) == 1)
        // The label of id 999 came at second 1 and waits an hour too.
        _ = join.finish(now: 1_000 + Self.hour + 1_000)
        #expect(join.takeCounts() == .init(joined: 60, expired: 40, unmatched: 1))
        #expect(join.heldOffsets().isEmpty)
    }

    @Test("Held offsets: everything a window not finished needs, in each partition; a restart that reads from them joins the same, and finished windows are not joined twice")
    func restart() {
        let records = Self.stream(3_000, seed: 2)
        // Two partitions of predictions (0, 1) and one of labels (2); windows of 1,000.
        func feed(_ join: inout PerformanceJoin, from held: [Int32: Int64], labelsUpTo: Int, closeUpTo: Int, now: Int64) -> [PerformanceJoin.FinishedWindow] {
            var finished: [PerformanceJoin.FinishedWindow] = []
            for (i, record) in records.enumerated() {
                let partition = Int32(i % 2)
                if Int64(i) >= held[partition] ?? .max {
                    join.prediction(id: record.id, value: record.score, window: i / 1_000, partition: partition, offset: Int64(i))
                }
                if i % 1_000 == 999 && i / 1_000 < closeUpTo { _ = join.windowClosed(i / 1_000, now: now) }
            }
            for (i, record) in records.enumerated() where i < labelsUpTo && Int64(i) >= held[2] ?? .max {
                // Window 1's labels stop at 1,500: half of it waits.
                if i / 1_000 == 1 && i >= 1_500 { continue }
                join.label(id: record.id, value: record.label, partition: 2, offset: Int64(i), now: now)
            }
            finished += join.finish(now: now)
            return finished
        }
        var before = PerformanceJoin(task: .binary, maxDelayMilliseconds: Self.hour, now: 0)
        let all: [Int32: Int64] = [0: 0, 1: 0, 2: 0]
        let first = feed(&before, from: all, labelsUpTo: 3_000, closeUpTo: 3, now: 1_000)
        #expect(first.map(\.window) == [0, 2], "window 1 waits for labels")
        let held = before.heldOffsets()
        #expect(held == [0: 1_000, 1: 1_001, 2: 1_000], "\(held)")
        #expect(before.finishedAfterFloor == [2])

        // A crash: a new join takes up the checkpoint and reads again from the held offsets.
        var after = PerformanceJoin(task: .binary, maxDelayMilliseconds: Self.hour, now: 0)
        after.restore(finished: before.finishedAfterFloor)
        let replayed = feed(&after, from: held, labelsUpTo: 3_000, closeUpTo: 3, now: 2_000)
        #expect(replayed.isEmpty, "window 2 is not finished twice; window 1 still waits")
        #expect(after.waitingPredictions == before.waitingPredictions)
        #expect(after.takeCounts().joined == 500, "window 1's 500 labelled predictions joined again, nothing of window 2")
        // The rest of window 1's labels come: both joins finish it with the same tally.
        for join in [0, 1] {
            var target = join == 0 ? before : after
            for (i, record) in records.enumerated() where i >= 1_500 && i < 2_000 {
                target.label(id: record.id, value: record.label, partition: 2, offset: 3_000 + Int64(i), now: 3_000)
            }
            let done = target.finish(now: 3_000)
            #expect(done.map(\.window) == [1])
            var expected = PerformanceTally(task: .binary)
            for record in records[1_000..<2_000] { expected.add(label: record.label, prediction: record.score) }
            #expect(done.first?.tally.count == 1_000)
            #expect(abs((done.first?.tally.value(of: .logLoss) ?? 0) - expected.value(of: .logLoss)) < 1e-12)
        }
    }

    @Test("A million predictions wait in at most 64 bytes each; past the capacity the oldest window's expire")
    func memory() {
        var join = PerformanceJoin(task: .binary, maxDelayMilliseconds: Self.hour, capacity: 1_000_000, now: 0)
        var rng = SeededGenerator(seed: 3)
        for i in 0..<1_000_000 {
            join.prediction(id: rng.next() | 1, value: Double(i % 1_000) / 1_000, window: i / 100_000, partition: Int32(i % 8), offset: Int64(i / 8))
        }
        #expect(join.waitingPredictions == 1_000_000)
        let perPrediction = Double(join.waitingBytes) / 1_000_000
        #expect(perPrediction <= 64, "\(perPrediction) bytes per waiting prediction")
        join.prediction(id: 7, value: 0.5, window: 10, partition: 0, offset: 125_000)
        #expect(join.waitingPredictions == 900_001, "window 0's 100,000 expired to make room")
        #expect(join.takeCounts().expired == 100_000)
    }

    @Test("Window numbers past 32 bits (quarter seconds since 1970) join, as does a prediction sent twice; one 2^40 windows away is dropped")
    func largeWindows() {
        var join = PerformanceJoin(task: .regression, maxDelayMilliseconds: Self.hour, now: 0)
        let first = 7_056_000_000  // 2026 in quarter seconds
        join.prediction(id: 1, value: 10, window: first, partition: 0, offset: 0)
        join.prediction(id: 2, value: 20, window: first + 1, partition: 0, offset: 1)
        join.prediction(id: 2, value: 21, window: first + 2, partition: 0, offset: 2)
        join.prediction(id: 3, value: 30, window: first + (1 << 40), partition: 0, offset: 3)
        #expect(join.waitingPredictions == 2, "id 2 waits once, in its newer window; id 3 is dropped")
        join.label(id: 1, value: 11, partition: 1, offset: 0, now: 0)
        join.label(id: 2, value: 22, partition: 1, offset: 1, now: 0)
        for window in [first, first + 1, first + 2] { _ = join.windowClosed(window, now: 0) }
        let finished = join.finish(now: 0)
        #expect(finished.map(\.window) == [first, first + 1, first + 2])
        #expect(finished.map(\.tally.count) == [1, 0, 1], "window first + 1 lost its only prediction to the newer copy")
        #expect(finished.last?.tally.value(of: .mae) == 1)
    }
}
