import KafkaIO
import Logging
import Testing

/// librdkafka's refusals are errors, each resource freed once: a failed subscription used to
/// free the queue, the handle and the context in `init` and again in `deinit` (SIGSEGV), and
/// an empty group id gave a NULL queue (SIGILL).
@Suite("KafkaIO refusals")
struct RefusedSubscriptionTests {
    let logger = Logger(label: "test")

    @Test("A subscription librdkafka refuses throws, and the consumer is freed once", arguments: ["", "^[invalid"])
    func refusedTopic(topic: String) throws {
        let cluster = try MockCluster()
        let configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(configuration: configuration, groupID: "g", topics: [topic], logger: logger)
        }
        // The process is still whole: a consumer of a valid topic works after the refusal.
        _ = try KafkaConsumer(configuration: configuration, groupID: "g", topics: ["logs"], logger: logger)
    }

    @Test("An empty group id is an error, not a NULL queue")
    func emptyGroup() throws {
        let cluster = try MockCluster()
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: "", topics: ["logs"], logger: logger)
        }
    }

    @Test("Topic names are checked as Kafka and librdkafka's regcomp would")
    func topicNames() {
        for valid in ["inference-logs", "team.seldon.ns.model.m.inputs", "a_b", "^inference-.*", String(repeating: "a", count: 249)] {
            #expect(TopicName.problem(valid) == nil, "\(valid)")
        }
        for invalid in ["", ".", "..", "logs!", "has space", "^[invalid", String(repeating: "a", count: 250)] {
            #expect(TopicName.problem(invalid) != nil, "\(invalid)")
        }
    }
}
