import KafkaIO
import Testing

@testable import Agent

/// The consumer's lifecycle state machine, event by event, with no Kafka.
@Suite("Consumer lifecycle")
struct ConsumerLifecycleTests {
    let p0 = TopicPartition(topic: "logs", partition: 0)
    let p1 = TopicPartition(topic: "logs", partition: 1)

    @Test("A revocation drops the rest of the poll and seeks each partition back to its lowest offset")
    func rebalanceInsidePoll() {
        var lifecycle = ConsumerLifecycle()
        #expect(lifecycle.received(offset: 10, from: p0) == .process)
        #expect(lifecycle.revoked(safeOffsets: [p0: 5]) == .commitAndDiscard)
        #expect(lifecycle.received(offset: 11, from: p0) == .drop)
        #expect(lifecycle.received(offset: 40, from: p1) == .drop)
        #expect(lifecycle.received(offset: 30, from: p1) == .drop)
        // A second revocation in the same poll keeps the lower offsets.
        #expect(lifecycle.revoked(safeOffsets: [p0: 7, p1: 35]) == .commitAndDiscard)
        guard case .seek(let rewind) = lifecycle.pollEnded() else {
            Issue.record("expected a seek, got \(lifecycle.state)")
            return
        }
        #expect(rewind == [p0: 5, p1: 30])
        #expect(lifecycle.received(offset: 5, from: p0) == .process)
        guard case .proceed = lifecycle.pollEnded() else {
            Issue.record("the seek is done once")
            return
        }
    }

    @Test("Checkpoints are restored only until this run closed a window, across rebalances")
    func restoreOnlyWhenFresh() {
        var lifecycle = ConsumerLifecycle()
        #expect(lifecycle.assigned() == .restoreCheckpoints)
        _ = lifecycle.revoked(safeOffsets: [:])
        #expect(lifecycle.assigned() == .restoreCheckpoints, "revoked before any window closed")
        _ = lifecycle.pollEnded()
        #expect(lifecycle.assigned() == .restoreCheckpoints)
        lifecycle.windowClosed()
        #expect(lifecycle.assigned() == .keepState)
        _ = lifecycle.revoked(safeOffsets: [:])
        _ = lifecycle.pollEnded()
        #expect(lifecycle.assigned() == .keepState, "this run's state is newer than any commit")

        var closedInsidePoll = ConsumerLifecycle()
        _ = closedInsidePoll.revoked(safeOffsets: [:])
        closedInsidePoll.windowClosed()
        #expect(closedInsidePoll.assigned() == .keepState)
    }

    @Test("A failure drops the rest of the poll, ends the run, and forbids the close's commit")
    func failure() {
        var lifecycle = ConsumerLifecycle()
        lifecycle.failed(.stopped("event a"))
        lifecycle.failed(.stopped("event b"))
        #expect(lifecycle.hasFailed)
        #expect(lifecycle.received(offset: 1, from: p0) == .drop)
        guard case .fail(.stopped(let what)) = lifecycle.pollEnded() else {
            Issue.record("expected the first failure, got \(lifecycle.state)")
            return
        }
        #expect(what == "event a")
        #expect(lifecycle.revoked(safeOffsets: [p0: 100]) == .discard)

        var draining = ConsumerLifecycle()
        draining.drain()
        #expect(draining.revoked(safeOffsets: [p0: 100]) == .commitAndDiscard, "a clean drain's close commits")
        draining.failed(.stopped("dead letters"))
        #expect(draining.revoked(safeOffsets: [p0: 100]) == .discard)
    }
}
