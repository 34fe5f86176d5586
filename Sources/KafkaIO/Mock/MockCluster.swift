import CRdKafka

/// librdkafka's in-process mock Kafka cluster: real brokers speaking the Kafka protocol over
/// TCP on loopback, with consumer groups, committed offsets and fault injection.
///
/// It keeps only a few MB per partition, so large runs must consume while they produce.
public final class MockCluster: Sendable {
    private let owner: NativeHandle
    private let cluster: NativeHandle
    /// `host:port,...` of the brokers, for `bootstrap.servers`.
    public let bootstrapServers: String
    public let brokerCount: Int

    public init(brokers: Int = 1) throws(KafkaError) {
        var configuration = KafkaConfiguration(bootstrapServers: "")
        configuration["log_level"] = "3"
        let owner = try configuration.makeClient(RD_KAFKA_PRODUCER, for: "starting the mock cluster")
        guard let cluster = rd_kafka_mock_cluster_new(owner, Int32(brokers)) else {
            rd_kafka_destroy(owner)
            throw .client("rd_kafka_mock_cluster_new failed", while: "starting the mock cluster")
        }
        self.owner = NativeHandle(pointer: owner)
        self.cluster = NativeHandle(pointer: cluster)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster.pointer)
        rd_kafka_destroy(owner.pointer)
    }

    /// Creates a topic (replication factor 1).
    public func createTopic(_ name: String, partitions: Int) throws(KafkaError) {
        let error = rd_kafka_mock_topic_create(cluster.pointer, name, Int32(partitions), 1)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "creating topic \(name)") }
    }

    /// Takes a broker down: its connections close and it refuses new ones.
    public func setBrokerDown(_ id: Int32 = 1) throws(KafkaError) {
        let error = rd_kafka_mock_broker_set_down(cluster.pointer, id)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "taking broker \(id) down") }
    }

    public func setBrokerUp(_ id: Int32 = 1) throws(KafkaError) {
        let error = rd_kafka_mock_broker_set_up(cluster.pointer, id)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "bringing broker \(id) up") }
    }

    /// Delays every answer of a broker by `milliseconds` (0 removes the delay).
    public func setRoundTripTime(_ milliseconds: Int, broker id: Int32 = 1) throws(KafkaError) {
        let error = rd_kafka_mock_broker_set_rtt(cluster.pointer, id, Int32(milliseconds))
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "setting the round-trip time of broker \(id)") }
    }

    /// Answers the next `count` produce requests, to whichever broker, with the Kafka error
    /// `code` (19, not enough replicas, is one a producer retries until its message times out).
    public func refuseProduceRequests(count: Int, code: Int32) {
        refuse(apiKey: 0, count: count, code: code)
    }

    /// Forgets the produce-request errors not yet used.
    public func acceptProduceRequests() {
        rd_kafka_mock_clear_request_errors(cluster.pointer, 0)
    }

    /// Answers the next `count` offset commits with the Kafka error `code`, committing
    /// nothing (12, offset metadata too large, is one librdkafka hands to the caller).
    public func refuseCommitRequests(count: Int, code: Int32) {
        refuse(apiKey: 8, count: count, code: code)
    }

    /// Forgets the offset-commit errors not yet used.
    public func acceptCommitRequests() {
        rd_kafka_mock_clear_request_errors(cluster.pointer, 8)
    }

    /// `apiKey`: the Kafka protocol's request type (Produce 0, OffsetCommit 8).
    private func refuse(apiKey: Int16, count: Int, code: Int32) {
        let errors = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: code), count: count)
        errors.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster.pointer, apiKey, count, $0.baseAddress) }
    }
}
