import CRdKafka

/// librdkafka configuration properties, applied in order (later keys win).
///
/// Any librdkafka property can be set (`security.protocol`, `sasl.mechanism`, ...); the
/// consumer and producer add the few that their guarantees depend on.
public struct KafkaConfiguration: Sendable, Hashable {
    private var keys: [String] = []
    private var values: [String: String] = [:]

    public init(bootstrapServers: String) {
        self["bootstrap.servers"] = bootstrapServers
    }

    public subscript(key: String) -> String? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }

    public static func == (lhs: KafkaConfiguration, rhs: KafkaConfiguration) -> Bool { lhs.values == rhs.values }
    public func hash(into hasher: inout Hasher) { hasher.combine(values) }

    /// A new `rd_kafka_conf_t` holding these properties; the caller owns it.
    func makeNative(for operation: String) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for key in keys {
            let result = rd_kafka_conf_set(conf, key, values[key]!, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw .client("invalid property \(key)=\(values[key]!): \(String(errorBuffer: errorText))", while: operation)
            }
        }
        return conf
    }

    /// A new librdkafka client with these properties.
    /// - Parameter prepare: sets callbacks and the opaque pointer on the native configuration.
    func makeClient(
        _ type: rd_kafka_type_t, for operation: String, prepare: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) -> OpaquePointer {
        let conf = try makeNative(for: operation)
        prepare(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let client = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)  // rd_kafka_new takes ownership only on success
            throw .client(String(errorBuffer: errorText), while: operation)
        }
        return client
    }
}

/// A topic and partition.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }

    /// By topic, then partition.
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// Raw pointer to a librdkafka handle. librdkafka handles are thread-safe, so sharing the
/// pointer across threads is sound; Swift cannot see that, hence `@unchecked`.
struct NativeHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

extension String {
    /// The text librdkafka wrote into an error buffer.
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
