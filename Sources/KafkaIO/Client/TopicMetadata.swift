import CRdKafka

/// What the brokers say about topics, through any client handle.
enum TopicMetadata {
    /// The number of partitions of `topic`, or nil if the brokers do not answer in time or do
    /// not know the topic.
    static func partitionCount(handle: OpaquePointer, topic: String, timeoutMilliseconds: Int32) -> Int? {
        guard let topicHandle = rd_kafka_topic_new(handle, topic, nil) else { return nil }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        guard rd_kafka_metadata(handle, 0, topicHandle, &metadata, timeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            return nil
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[index]
            guard String(cString: entry.topic) == topic else { continue }
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, entry.partition_cnt > 0 else { return nil }
            return Int(entry.partition_cnt)
        }
        return nil
    }

    /// Whether a broker answers a metadata request (for the topics the client knows) in time.
    static func brokersAnswer(handle: OpaquePointer, timeoutMilliseconds: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        guard rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            return false
        }
        rd_kafka_metadata_destroy(metadata)
        return true
    }
}

extension KafkaConsumer {
    /// The number of partitions of a topic, from the brokers' metadata.
    public func partitionCount(of topic: String, timeoutMilliseconds: Int32 = 5000) -> Int? {
        TopicMetadata.partitionCount(handle: handle, topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }
}

extension KafkaProducer {
    /// The number of partitions of a topic, from the brokers' metadata.
    public func partitionCount(of topic: String, timeoutMilliseconds: Int32 = 5000) -> Int? {
        TopicMetadata.partitionCount(handle: handle.pointer, topic: topic, timeoutMilliseconds: timeoutMilliseconds)
    }
}
