import KafkaIO
import Testing

@testable import Agent

/// Event time across partitions, with no Kafka.
@Suite("Partition clock")
struct PartitionClockTests {
    @Test("The limit is the oldest newest event time; an idle partition at its end stops holding it back")
    func limit() {
        var clock = PartitionClock(idleMilliseconds: 10_000)
        let a = clock.id(topicIndex: 0, partition: 0, topic: "logs")
        let b = clock.id(topicIndex: 0, partition: 1, topic: "logs")
        #expect(clock.id(topicIndex: 0, partition: 0, topic: "logs") == a)
        #expect(clock.id(topicIndex: 1, partition: 0, topic: "other") == 2)
        #expect(clock[b] == TopicPartition(topic: "logs", partition: 1))
        clock.observe(eventTime: 5_000, partition: a)
        clock.observe(eventTime: 3_000, partition: a)
        clock.observe(eventTime: 2_000, partition: b)
        let assigned = [clock[a], clock[b]]
        #expect(clock.limit(assigned: assigned, atEnd: [], fetchedMore: { _ in false }, now: 0) == 2_000)
        // b reaches its end at t = 100: it holds the limit back for 10 s, then no longer.
        #expect(clock.limit(assigned: assigned, atEnd: [clock[b]], fetchedMore: { _ in false }, now: 100) == 2_000)
        #expect(clock.limit(assigned: assigned, atEnd: [clock[b]], fetchedMore: { _ in false }, now: 10_099) == 2_000)
        #expect(clock.limit(assigned: assigned, atEnd: [clock[b]], fetchedMore: { _ in false }, now: 10_100) == 5_000)
        #expect(clock.limit(assigned: assigned, atEnd: [clock[b]], fetchedMore: { _ in true }, now: 10_100) == 2_000, "more was fetched")
        // An assigned partition never read holds everything back.
        #expect(clock.limit(assigned: assigned + [TopicPartition(topic: "logs", partition: 9)], atEnd: [], fetchedMore: { _ in false }, now: 0) == .min)
        clock.forgetEventTimes()
        #expect(clock.limit(assigned: assigned, atEnd: [], fetchedMore: { _ in false }, now: 0) == .min)
        #expect(clock.describe([b: 4...9, a: 0...3]) == "logs[0]:0-3,logs[1]:4-9")
    }
}
