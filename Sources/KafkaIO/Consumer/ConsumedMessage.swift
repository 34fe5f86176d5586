import CRdKafka

/// A message borrowed from librdkafka for the length of a ``KafkaConsumer/poll(maxMessages:timeoutMilliseconds:_:)``
/// callback: nothing is copied, and neither the message nor its buffers may be kept after
/// the callback returns.
public struct ConsumedMessage {
    let native: UnsafeMutablePointer<rd_kafka_message_t>
    /// Index of the topic in the consumer's ``KafkaConsumer/topics``.
    public let topicIndex: Int

    init(native: UnsafeMutablePointer<rd_kafka_message_t>, topicIndex: Int) {
        self.native = native
        self.topicIndex = topicIndex
    }

    public var partition: Int32 { native.pointee.partition }
    public var offset: Int64 { native.pointee.offset }

    /// The value, or `nil` for a tombstone (null value).
    public var value: UnsafeRawBufferPointer? {
        guard let payload = native.pointee.payload else { return nil }
        return UnsafeRawBufferPointer(start: payload, count: native.pointee.len)
    }

    public var key: UnsafeRawBufferPointer? {
        guard let key = native.pointee.key else { return nil }
        return UnsafeRawBufferPointer(start: key, count: native.pointee.key_len)
    }

    /// The message timestamp in milliseconds since the epoch, if the broker or producer set one.
    public var timestampMilliseconds: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(native, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
    }

    /// The value of the last header named `name`, borrowed like the message; nil if there is
    /// none or its value is null. Nothing is copied.
    public func header(named name: String) -> UnsafeRawBufferPointer? {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(native, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return nil }
        var value: UnsafeRawPointer?
        var size = 0
        guard rd_kafka_header_get_last(headers, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let value else { return nil }
        return UnsafeRawBufferPointer(start: value, count: size)
    }

    /// All headers, copied (for the rare paths: dead-lettering, CloudEvents attributes).
    public func headers() -> [MessageHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(native, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [MessageHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(MessageHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }
}

/// A Kafka record header.
public struct MessageHeader: Sendable, Hashable {
    public var name: String
    /// `nil` for a header with a null value.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}
