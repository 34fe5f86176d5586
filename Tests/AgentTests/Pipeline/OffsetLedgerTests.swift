import KafkaIO
import Testing

@testable import Agent

/// Commit pacing and safe offsets, with no Kafka.
@Suite("Offset ledger")
struct OffsetLedgerTests {
    let p0 = TopicPartition(topic: "logs", partition: 0)
    let p1 = TopicPartition(topic: "logs", partition: 1)
    let p2 = TopicPartition(topic: "other", partition: 0)

    @Test("Safe offsets: the position, lowered to the lowest held offset; unread partitions left out")
    func safeOffsets() {
        let held: [Int: Int64] = [0: 120, 2: 7]
        let safe = OffsetLedger.safeOffsets(partitions: [p0, p1, p2], positions: [p0: 200, p1: 50]) { held[$0] }
        #expect(safe == [p0: 120, p1: 50])
        let past = OffsetLedger.safeOffsets(partitions: [p0], positions: [p0: 90]) { _ in 300 }
        #expect(past == [p0: 90], "a held offset past the position does not raise it")
    }

    @Test("Pacing: at once after a window, every second while that commit fails, every 5 s and only when moved otherwise")
    func pacing() {
        let start = ContinuousClock.now
        var ledger = OffsetLedger(now: start)
        let assigned: Set = [p0, p1]
        #expect(ledger.due(safe: [p0: 10], assigned: assigned, force: false, now: start + .seconds(4)) == nil)
        #expect(ledger.due(safe: [p0: 10, p2: 3], assigned: assigned, force: false, now: start + .seconds(5)) == [p0: 10], "only assigned partitions")
        ledger.didCommit([p0: 10])
        #expect(ledger.due(safe: [p0: 10], assigned: assigned, force: false, now: start + .seconds(11)) == nil, "nothing moved")
        #expect(ledger.due(safe: [p0: 10], assigned: assigned, force: true, now: start + .seconds(11)) == nil, "forced, but nothing to say")

        ledger.windowClosed()
        #expect(ledger.pacing == .windowClosed)
        #expect(ledger.due(safe: [p0: 10], assigned: assigned, force: false, now: start + .seconds(11)) == [p0: 10], "a window closed: commit again")
        ledger.commitFailed()
        #expect(ledger.pacing == .retrying)
        #expect(ledger.due(safe: [p0: 10], assigned: assigned, force: false, now: start + .milliseconds(11_500)) == nil)
        #expect(ledger.due(safe: [p0: 10], assigned: assigned, force: false, now: start + .seconds(12)) == [p0: 10])
        ledger.didCommit([p0: 10])
        #expect(ledger.pacing == .idle)

        // A failed periodic commit waits for the next period.
        ledger.commitFailed()
        #expect(ledger.pacing == .idle)
        #expect(ledger.due(safe: [p0: 20], assigned: assigned, force: false, now: start + .seconds(13)) == nil)
        #expect(ledger.due(safe: [p0: 20], assigned: assigned, force: false, now: start + .seconds(17)) == [p0: 20])
    }

    @Test("Resume: a partition assigned again starts where this member accounted for it, if the group's commit is behind")
    func resume() {
        var ledger = OffsetLedger()
        ledger.revoke(safe: [p0: 300, p1: 80, p2: 5])
        var asked: [TopicPartition] = []
        let resumed = ledger.resumeOffsets(of: [p0, p1]) { partitions in
            asked = partitions
            return [p0: 200, p1: 80]
        }
        #expect(Set(asked) == [p0, p1], "the group's commits are read for the own partitions only")
        #expect(resumed == [p0: 300], "p0's commit was refused; p1's went through")
        #expect(ledger.resumeOffsets(of: [p0]) { _ in [p0: nil] } == [:], "the revocation is forgotten once used")

        ledger.revoke(safe: [p2: 5])
        #expect(ledger.resumeOffsets(of: [p2]) { _ in [p2: nil] } == [p2: 5], "no commit at all: resumed")
    }
}
