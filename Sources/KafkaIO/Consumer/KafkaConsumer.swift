import CRdKafka
import Logging

/// A consumer-group member that polls messages in batches and stores offsets only when told.
///
/// Auto-commit is on but auto offset *store* is off: an offset is committed only after
/// ``store(_:)`` named it, so at-least-once processing is the caller's to decide.
/// Every call blocks and must run off the Swift cooperative pool (the agent runs its
/// pipeline on a dedicated thread); the consumer is used from one thread at a time.
public final class KafkaConsumer {
    /// The subscribed topics; ``ConsumedMessage/topicIndex`` indexes this list.
    public let topics: [String]
    public let groupID: String
    private let handle: OpaquePointer
    private let queue: OpaquePointer
    private let context: Unmanaged<RebalanceContext>
    private var topicHandles: [(pointer: OpaquePointer, index: Int)] = []
    private var batch: [UnsafeMutablePointer<rd_kafka_message_t>?]
    private var closed = false
    /// Partitions whose end was reached and which have had no message since.
    public private(set) var partitionsAtEnd: Set<TopicPartition> = []
    /// The next offset to read per assigned partition (last consumed + 1).
    public private(set) var positions: [TopicPartition: Int64] = [:]
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: client properties (bootstrap servers, security, tuning).
    ///   - groupID: the consumer group.
    ///   - topics: topics to subscribe to.
    ///   - maxBatch: the most messages one poll returns.
    ///   - prefetchKilobytes: the most librdkafka buffers per partition ahead of processing.
    ///   - onRebalance: called on the polling thread, inside ``poll(maxMessages:timeoutMilliseconds:_:)``,
    ///     before an assignment takes effect or is given up.
    public init(
        configuration: KafkaConfiguration, groupID: String, topics: [String], maxBatch: Int = 4096,
        prefetchKilobytes: Int = 8192, logger: Logger, onRebalance: @escaping (RebalanceEvent) -> Void = { _ in }
    ) throws(KafkaError) {
        guard !topics.isEmpty else { throw .client("no topic to consume", while: "creating the consumer") }
        self.topics = topics
        self.groupID = groupID
        self.logger = logger
        var configuration = configuration
        configuration["group.id"] = groupID
        configuration["enable.auto.commit"] = configuration["enable.auto.commit"] ?? "true"
        configuration["enable.auto.offset.store"] = "false"
        configuration["enable.partition.eof"] = "true"
        configuration["auto.offset.reset"] = configuration["auto.offset.reset"] ?? "earliest"
        configuration["queued.max.messages.kbytes"] = configuration["queued.max.messages.kbytes"] ?? String(prefetchKilobytes)
        let context = Unmanaged.passRetained(RebalanceContext(logger: logger, onRebalance: onRebalance))
        let handle: OpaquePointer
        do {
            handle = try configuration.makeClient(RD_KAFKA_CONSUMER, for: "creating the consumer") { conf in
                rd_kafka_conf_set_opaque(conf, context.toOpaque())
                rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
            }
        } catch {
            context.release()
            throw error
        }
        self.handle = handle
        self.context = context
        rd_kafka_poll_set_consumer(handle)
        queue = rd_kafka_queue_get_consumer(handle)
        batch = Array(repeating: nil, count: maxBatch)

        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let error = rd_kafka_subscribe(handle, list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_queue_destroy(queue)
            rd_kafka_destroy(handle)
            context.release()
            throw .rdKafka(error, while: "subscribing to \(topics.joined(separator: ", "))")
        }
        context.takeUnretainedValue().consumer = self
    }

    deinit {
        close()
        rd_kafka_queue_destroy(queue)
        rd_kafka_destroy(handle)
        context.release()
    }

    /// Waits up to `timeoutMilliseconds` for messages and hands each to `body`, in order per
    /// partition. Rebalance callbacks run inside this call.
    /// - Returns: the number of messages handed to `body`.
    @discardableResult
    public func poll(maxMessages: Int? = nil, timeoutMilliseconds: Int32, _ body: (borrowing ConsumedMessage) -> Void) -> Int {
        let limit = min(maxMessages ?? batch.count, batch.count)
        let received = batch.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_consume_batch_queue(queue, Int32(timeoutMilliseconds), buffer.baseAddress, limit)
        }
        guard received > 0 else { return 0 }
        var delivered = 0
        // Messages come in runs from one partition: resolve the partition once per run and
        // record its position when the run ends, not per message.
        var run: (topic: OpaquePointer, partition: Int32, key: TopicPartition, next: Int64)?
        func endRun() {
            if let current = run, current.next >= 0 {
                positions[current.key] = current.next
                if !partitionsAtEnd.isEmpty { partitionsAtEnd.remove(current.key) }
            }
            run = nil
        }
        for i in 0..<received {
            guard let message = batch[i] else { continue }
            defer { rd_kafka_message_destroy(message) }
            let error = message.pointee.err
            if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                logger.warning("consumer error", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
                continue
            }
            guard let topic = message.pointee.rkt, let topicIndex = index(of: topic) else { continue }
            let partition = message.pointee.partition
            if run?.topic != topic || run?.partition != partition {
                endRun()
                run = (topic, partition, TopicPartition(topic: topics[topicIndex], partition: partition), -1)
            }
            if error == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                let key = run!.key
                endRun()
                partitionsAtEnd.insert(key)
                positions[key] = message.pointee.offset
                continue
            }
            run!.next = message.pointee.offset + 1
            body(ConsumedMessage(native: message, topicIndex: topicIndex))
            delivered += 1
        }
        endRun()
        return delivered
    }

    private func index(of topic: OpaquePointer) -> Int? {
        for entry in topicHandles where entry.pointer == topic { return entry.index }
        let name = String(cString: rd_kafka_topic_name(topic))
        guard let index = topics.firstIndex(of: name) else { return nil }
        topicHandles.append((topic, index))
        return index
    }

    /// The partitions currently assigned to this member.
    public func assignment() -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList.partitions(of: list)
    }

    /// True once at least one partition is assigned and every assigned partition was read to its end.
    public var isAtEndOfAssignment: Bool {
        let assigned = assignment()
        return !assigned.isEmpty && assigned.allSatisfy { partitionsAtEnd.contains($0) }
    }

    /// Marks these offsets (the *next* offset to read per partition) for the next commit.
    public func store(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_offsets_store(handle, list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .rdKafka(error, while: "storing offsets")
        }
        // Per-partition errors: a revoked partition reports _STATE, which is harmless.
        for i in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[i]
            if entry.err != RD_KAFKA_RESP_ERR_NO_ERROR && entry.err != RD_KAFKA_RESP_ERR__STATE {
                throw .rdKafka(entry.err, while: "storing the offset of \(String(cString: entry.topic))[\(entry.partition)]")
            }
        }
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() throws(KafkaError) {
        let error = rd_kafka_commit(handle, nil, 0)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw .rdKafka(error, while: "committing offsets")
        }
    }

    /// The group's committed offsets for these partitions (-1001 where none).
    public func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 5000) throws(KafkaError) -> [TopicPartition: Int64] {
        let list = TopicPartitionList.make(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_committed(handle, list, Int32(timeoutMilliseconds))
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "reading committed offsets") }
        return TopicPartitionList.offsets(of: list)
    }

    /// The cached low and high watermarks of a partition (from the last fetch), if known.
    public func watermarks(of partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let error = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Leaves the group: commits the stored offsets and gives up the assignment. Idempotent.
    public func close() {
        guard !closed else { return }
        closed = true
        let error = rd_kafka_consumer_close(handle)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("closing the consumer failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
        }
    }

    fileprivate func forget(_ partitions: [TopicPartition]) {
        for partition in partitions {
            partitionsAtEnd.remove(partition)
            positions[partition] = nil
        }
    }
}

/// What the C rebalance callback reaches through librdkafka's opaque pointer.
final class RebalanceContext {
    let logger: Logger
    let onRebalance: (RebalanceEvent) -> Void
    weak var consumer: KafkaConsumer?

    init(logger: Logger, onRebalance: @escaping (RebalanceEvent) -> Void) {
        self.logger = logger
        self.onRebalance = onRebalance
    }
}

private func rebalanceCallback(
    _ handle: OpaquePointer?, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let handle, let list, let opaque else { return }
    let context = Unmanaged<RebalanceContext>.fromOpaque(opaque).takeUnretainedValue()
    let partitions = TopicPartitionList.partitions(of: list)
    let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
    switch error {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        context.logger.info("partitions assigned", metadata: ["partitions": "\(partitions)"])
        context.onRebalance(.assigned(partitions))
        if cooperative {
            if let failure = rd_kafka_incremental_assign(handle, list) { rd_kafka_error_destroy(failure) }
        } else {
            rd_kafka_assign(handle, list)
        }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        context.logger.info("partitions revoked", metadata: ["partitions": "\(partitions)"])
        context.onRebalance(.revoked(partitions))
        context.consumer?.forget(partitions)
        if cooperative {
            if let failure = rd_kafka_incremental_unassign(handle, list) { rd_kafka_error_destroy(failure) }
        } else {
            rd_kafka_assign(handle, nil)
        }
    default:
        context.logger.error("rebalance failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
        rd_kafka_assign(handle, nil)
    }
}

enum TopicPartitionList {
    static func make(_ offsets: [TopicPartition: Int64]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (partition, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!.pointee.offset = offset
        }
        return list
    }

    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { i in
            TopicPartition(topic: String(cString: list.pointee.elems[i].topic), partition: list.pointee.elems[i].partition)
        }
    }

    static func offsets(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for i in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[i]
            result[TopicPartition(topic: String(cString: entry.topic), partition: entry.partition)] = entry.offset
        }
        return result
    }
}
