import KafkaIO
import Logging
import Testing

@Suite("KafkaIO on librdkafka's mock cluster")
struct MockClusterRoundTripTests {
    let logger = Logger(label: "test")

    @Test("Produce with acknowledgement, consume in a group, commit only the offsets named, with their metadata")
    func roundTrip() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("logs", partitions: 3)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        var tickets: [KafkaProducer.Ticket] = []
        for i in 0..<900 {
            let value: [UInt8]? = i == 450 ? nil : Array("{\"i\":\(i)}".utf8)
            tickets.append(
                try producer.send(
                    topic: "logs", key: Array("k\(i % 7)".utf8), value: value,
                    headers: [MessageHeader(name: "seq", string: "\(i)")], partition: Int32(i % 3)))
        }
        try producer.waitForDelivery(of: tickets)

        // A member that dies without leaving holds the group until its session ends: 6 s, not 45.
        var groupConfiguration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        groupConfiguration["session.timeout.ms"] = "6000"
        groupConfiguration["heartbeat.interval.ms"] = "500"
        let consumer = try KafkaConsumer(
            configuration: groupConfiguration, groupID: "g1", topics: ["logs"],
            logger: logger)
        var seen = 0
        var tombstones = 0
        var headerValues: Set<String> = []
        var nextOffsets: [TopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while !consumer.isAtEndOfAssignment && ContinuousClock.now < deadline {
            consumer.poll(timeoutMilliseconds: 100) { message in
                seen += 1
                if message.value == nil { tombstones += 1 }
                if let seq = message.headers().first(where: { $0.name == "seq" })?.value {
                    headerValues.insert(String(decoding: seq, as: UTF8.self))
                }
                // Store offsets for the first 100 records of each partition only.
                if message.offset < 100 {
                    nextOffsets[TopicPartition(topic: "logs", partition: message.partition)] = message.offset + 1
                }
            }
        }
        #expect(seen == 900)
        #expect(tombstones == 1)
        #expect(headerValues.count == 900)
        let metadata = Array("{\"checkpoint\":7}".utf8)
        try consumer.commit(nextOffsets, metadata: metadata)
        consumer.close()

        // A new member of the group sees the offsets and metadata, not the positions read.
        let partitions = (0..<3).map { TopicPartition(topic: "logs", partition: Int32($0)) }
        let reader = try KafkaConsumer(
            configuration: groupConfiguration, groupID: "g1", topics: ["logs"],
            logger: logger)
        let committed = try reader.committedWithMetadata(partitions)
        #expect(committed.values.compactMap(\.offset).sorted() == [100, 100, 100])
        #expect(committed.values.allSatisfy { $0.metadata == metadata })
        var firstOffsets: [Int32: Int64] = [:]
        let readDeadline = ContinuousClock.now + .seconds(30)
        while firstOffsets.count < 3 && ContinuousClock.now < readDeadline {
            reader.poll(timeoutMilliseconds: 100) { message in
                if firstOffsets[message.partition] == nil { firstOffsets[message.partition] = message.offset }
            }
        }
        #expect(firstOffsets == [0: 100, 1: 100, 2: 100])
        reader.close()
    }
}
