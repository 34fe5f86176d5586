import CRdKafka
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A consumer-group member that polls messages in batches and commits offsets only when told.
///
/// Auto-commit is off: an offset is committed only by ``commit(_:metadata:timeoutMilliseconds:)``, which also
/// carries a small metadata blob per partition (the agent keeps its drift state there), so
/// at-least-once processing is the caller's to decide.
/// Every call blocks and must run off the Swift cooperative pool (the agent runs its
/// pipeline on a dedicated thread); the consumer is used from one thread at a time.
public final class KafkaConsumer {
    /// The subscribed topics; ``ConsumedMessage/topicIndex`` indexes this list.
    public let topics: [String]
    public let groupID: String
    /// `auto.offset.reset` is `latest` (or a synonym): a partition with no committed offset is
    /// read from its end.
    let resetsToEnd: Bool
    let handle: OpaquePointer
    private let queue: OpaquePointer
    /// Where the answers to commits arrive (``commit(_:metadata:timeoutMilliseconds:)``).
    private let commitAnswers: OpaquePointer
    /// Tags each commit, so that a late answer to an earlier one is told apart.
    private var commitSequence = 0
    private let context: Unmanaged<ConsumerContext>
    /// What this consumer shares with its C callbacks.
    private var shared: ConsumerContext { context.takeUnretainedValue() }
    private var topicHandles: [(pointer: OpaquePointer, index: Int)] = []
    private var batch: [UnsafeMutablePointer<rd_kafka_message_t>?]
    private var lifecycle = Lifecycle.open
    private var lastWake = ContinuousClock.now - .seconds(1)
    /// Partitions whose end was reached and which have had no message since.
    public private(set) var partitionsAtEnd: Set<TopicPartition> = []
    /// The next offset to read per assigned partition (last consumed + 1).
    public private(set) var positions: [TopicPartition: Int64] = [:]
    private let logger: Logger
    /// Set when librdkafka reports every broker down; cleared by the next message or a
    /// successful ``probe(timeoutMilliseconds:)``.
    public var brokersDown: String? { shared.brokersDown }

    /// - Parameters:
    ///   - configuration: client properties (bootstrap servers, security, tuning).
    ///   - groupID: the consumer group.
    ///   - topics: topics to subscribe to.
    ///   - maxBatch: the most messages one poll returns.
    ///   - prefetchKilobytes: the most librdkafka queues ahead of processing, all partitions together.
    public convenience init(
        configuration: KafkaConfiguration, groupID: String, topics: [String], maxBatch: Int = 4096,
        prefetchKilobytes: Int = 2048, logger: Logger
    ) throws(KafkaError) {
        guard !topics.isEmpty else { throw .client("no topic to consume", while: "creating the consumer") }
        try self.init(
            configuration: configuration, groupID: groupID, topics: topics, subscribing: true, maxBatch: maxBatch,
            prefetchKilobytes: prefetchKilobytes, logger: logger)
    }

    /// A handle on `groupID` that reads its committed offsets without joining it, as
    /// `kafka-consumer-groups --describe` does: a member that joined would make the group
    /// rebalance, and one that left uncleanly would hold partitions until its session ends.
    package static func observing(groupID: String, configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) -> KafkaConsumer {
        try KafkaConsumer(
            configuration: configuration, groupID: groupID, topics: [], subscribing: false, maxBatch: 1, prefetchKilobytes: 2048, logger: logger)
    }

    private init(
        configuration: KafkaConfiguration, groupID: String, topics: [String], subscribing: Bool, maxBatch: Int,
        prefetchKilobytes: Int, logger: Logger
    ) throws(KafkaError) {
        self.topics = topics
        self.groupID = groupID
        self.logger = logger
        var configuration = configuration
        configuration["group.id"] = groupID
        configuration["enable.auto.commit"] = "false"
        configuration["enable.auto.offset.store"] = "false"
        configuration["enable.partition.eof"] = "true"
        configuration["auto.offset.reset"] = configuration["auto.offset.reset"] ?? "earliest"
        resetsToEnd = ["latest", "largest", "end"].contains(configuration["auto.offset.reset"])
        configuration["queued.max.messages.kbytes"] = configuration["queued.max.messages.kbytes"] ?? String(prefetchKilobytes)
        // A fetch response stays in memory until its last message is processed: librdkafka's
        // 50 MiB (1 MiB a partition) would be most of the agent's memory. Small fetches keep
        // up, as an emptied queue wakes the fetcher (`wakeFetcherIfStalled`).
        configuration["fetch.max.bytes"] = configuration["fetch.max.bytes"] ?? String(prefetchKilobytes * 1024)
        configuration["max.partition.fetch.bytes"] = configuration["max.partition.fetch.bytes"] ?? "262144"
        let context = Unmanaged.passRetained(ConsumerContext(logger: logger))
        let handle: OpaquePointer
        do {
            handle = try configuration.makeClient(RD_KAFKA_CONSUMER, for: "creating the consumer") { conf in
                rd_kafka_conf_set_opaque(conf, context.toOpaque())
                rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
                rd_kafka_conf_set_error_cb(conf, errorCallback)
                rd_kafka_conf_set_log_cb(conf, consumerLogCallback)
            }
        } catch {
            context.release()
            throw error
        }
        rd_kafka_poll_set_consumer(handle)
        // NULL without a group id (librdkafka then has no consumer group to queue for).
        guard let queue = rd_kafka_queue_get_consumer(handle) else {
            rd_kafka_destroy(handle)
            context.release()
            throw .client("no consumer queue (is the group id empty?)", while: "creating the consumer")
        }
        self.handle = handle
        self.context = context
        self.queue = queue
        // rd_kafka_queue_new aborts rather than return NULL.
        commitAnswers = rd_kafka_queue_new(handle)!
        batch = Array(repeating: nil, count: maxBatch)

        shared.consumer = self
        guard subscribing else { return }
        let subscription = PartitionList(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        let error = subscription.withList { rd_kafka_subscribe(handle, $0) }
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            // Every stored property is set, so a throw from here runs deinit, which frees the
            // queue, the handle and the context: freeing them here too was a double free.
            throw .rdKafka(error, while: "subscribing to \(topics.joined(separator: ", "))")
        }
    }

    deinit {
        close()
        rd_kafka_queue_destroy(queue)
        rd_kafka_queue_destroy(commitAnswers)
        // A close that gave up left the group's termination waiting for a coordinator, which
        // plain rd_kafka_destroy would wait for again.
        rd_kafka_destroy_flags(handle, lifecycle == .abandoned ? RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE : 0)
        context.release()
    }

    /// Called on the polling thread, inside ``poll(maxMessages:timeoutMilliseconds:_:)``, before
    /// an assignment takes effect or is given up. Messages the same poll returns after a
    /// rebalance may have been fetched before it.
    public func onRebalance(_ handler: @escaping (RebalanceEvent) -> Void) {
        shared.onRebalance = handler
    }

    /// Asked inside the rebalance callback, after ``onRebalance(_:)`` heard of an assignment:
    /// where to start reading some of these partitions instead of their committed offsets.
    public func onAssignment(startOffsets: @escaping ([TopicPartition]) -> [TopicPartition: Int64]) {
        shared.startOffsets = startOffsets
    }

    /// Waits up to `timeoutMilliseconds` for messages and hands each to `body`, in order per
    /// partition. Rebalance callbacks run inside this call.
    /// - Returns: the number of messages handed to `body`.
    @discardableResult
    public func poll(maxMessages: Int? = nil, timeoutMilliseconds: Int32, _ body: (borrowing ConsumedMessage) -> Void) -> Int {
        guard lifecycle == .open else { return 0 }
        let limit = min(maxMessages ?? batch.count, batch.count)
        func takeQueued(from start: Int) -> Int {
            batch.withUnsafeMutableBufferPointer { buffer in
                max(0, rd_kafka_consume_batch_queue(queue, 0, buffer.baseAddress! + start, limit - start))
            }
        }
        // What is queued now; on an empty queue, wait for one message (a batch call would wait
        // for a whole batch), then take what came with it.
        var received = takeQueued(from: 0)
        if received == 0 {
            wakeFetcherIfStalled()
            if let first = rd_kafka_consume_queue(queue, timeoutMilliseconds) {
                batch[0] = first
                received = 1 + takeQueued(from: 1)
            }
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
                let text = String(cString: rd_kafka_err2str(error))
                if error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN { shared.brokersDown = text }
                logger.warning("consumer error", metadata: ["error": "\(text)"])
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
        if delivered > 0 && shared.brokersDown != nil { shared.brokersDown = nil }
        if shared.rebalanced {
            // Messages fetched before a revocation left positions of partitions no longer ours.
            shared.rebalanced = false
            let assigned = Set(assignment())
            for partition in positions.keys where !assigned.contains(partition) { forget([partition]) }
        }
        return delivered
    }

    /// librdkafka 2.0 stops fetching while the consumer queue holds `queued.max.messages.kbytes`
    /// and decides again only when the broker thread next wakes, up to a second later (2.1 made
    /// that `fetch.queue.backoff.ms`, still 1 s by default): reading a backlog, the agent then
    /// idles most of the time. When the queue is empty while a partition read is behind the
    /// high watermark its last fetch reported (a fetch brings everything up to it unless a size
    /// limit cut it short, so a consumer caught up with live traffic is never behind), a
    /// ListOffsets request to its leader wakes the broker thread, which resumes fetching. The
    /// request waits for its answer, but only when there is nothing to process anyway.
    private func wakeFetcherIfStalled() {
        let now = ContinuousClock.now
        guard now - lastWake >= .milliseconds(2) else { return }
        lastWake = now
        guard let lagging = positions.first(where: { partition, position in (watermarks(of: partition)?.high ?? 0) > position })?.key
        else { return }
        _ = listOffset(lagging, end: true, timeoutMilliseconds: 100)
    }

    /// A partition's first (`end: false`) or next (`end: true`) offset, asked of its leader with
    /// a ListOffsets request; nil if it does not answer within the timeout.
    ///
    /// Through `rd_kafka_offsets_for_times` (timestamps -2 and -1 are ListOffsets' earliest and
    /// latest), which keeps its timeout: `rd_kafka_query_watermark_offsets` waits without end
    /// for a broker that is down, before librdkafka 2.3.0 (its issue 2588; Debian 12 has 2.0.2),
    /// and a pipeline waiting there never sees its stop flag: SIGTERM did not end the agent.
    func listOffset(_ partition: TopicPartition, end: Bool, timeoutMilliseconds: Int32) -> Int64? {
        let list = PartitionList([partition: end ? Int64(RD_KAFKA_OFFSET_END) : Int64(RD_KAFKA_OFFSET_BEGINNING)])
        let error = list.withList { rd_kafka_offsets_for_times(handle, $0, timeoutMilliseconds) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, list.firstError(while: "listing offsets") == nil else { return nil }
        return list.withEntries { $0.first.map(\.offset) }.flatMap { $0 >= 0 ? $0 : nil }
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
        return PartitionList(adopting: list).partitions
    }

    /// True once at least one partition is assigned and every assigned partition was read to its end.
    public var isAtEndOfAssignment: Bool {
        let assigned = assignment()
        return !assigned.isEmpty && assigned.allSatisfy { partitionsAtEnd.contains($0) }
    }

    /// True once at least one partition is assigned and each was read to its end, or up to the
    /// high watermark its last fetch reported. librdkafka's end-of-partition event comes only
    /// when an empty fetch returns, up to `fetch.wait.max.ms` (500 ms) after the last records:
    /// `--until-end` need not wait for it.
    public var hasReadAssignmentToFetchedEnd: Bool {
        let assigned = assignment()
        return !assigned.isEmpty && assigned.allSatisfy { partition in
            if partitionsAtEnd.contains(partition) { return true }
            guard let position = positions[partition], let marks = watermarks(of: partition), marks.high >= 0 else { return false }
            return position >= marks.high
        }
    }

    /// Commits these offsets (the *next* offset to read per partition) and waits for the
    /// broker's answer, at most `timeoutMilliseconds`. `metadata` goes with every partition's offset.
    ///
    /// A commit under way when the group coordinator goes away waits for a new one, which a
    /// blocking `rd_kafka_commit` did for a minute and more: the pipeline stood still, its
    /// outage unreported. Past the timeout this throws; a late answer is ignored, and the
    /// next commit carries the offsets again.
    public func commit(
        _ offsets: [TopicPartition: Int64], metadata: [UInt8] = [], timeoutMilliseconds: Int = 10_000
    ) throws(KafkaError) {
        guard lifecycle == .open else { throw .client("the consumer is closed", while: "committing offsets") }
        guard !offsets.isEmpty else { return }
        commitSequence += 1
        let tag = UnsafeMutableRawPointer(bitPattern: UInt(commitSequence))
        let list = PartitionList(offsets, metadata: metadata)
        let error = list.withList { rd_kafka_commit_queue(handle, $0, commitAnswers, nil, tag) }
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "committing offsets") }
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        while true {
            guard let event = rd_kafka_queue_poll(commitAnswers, Int32(clamping: Self.millisecondsLeft(until: deadline))) else {
                if ContinuousClock.now < deadline { continue }
                throw .client("no answer from the group coordinator in \(timeoutMilliseconds) ms", while: "committing offsets")
            }
            defer { rd_kafka_event_destroy(event) }
            guard rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT, rd_kafka_event_opaque(event) == tag else { continue }
            let answer = rd_kafka_event_error(event)
            if answer != RD_KAFKA_RESP_ERR_NO_ERROR && answer != RD_KAFKA_RESP_ERR__NO_OFFSET {
                throw .rdKafka(answer, while: "committing offsets")
            }
            if let partitions = rd_kafka_event_topic_partition_list(event),
                let failure = PartitionList.firstError(in: partitions, while: "committing the offset of")
            {
                throw failure
            }
            return
        }
    }

    /// Moves the next read of assigned partitions to these offsets.
    public func seek(_ offsets: [TopicPartition: Int64], timeoutMilliseconds: Int32 = 5000) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = PartitionList(offsets)
        if let failure = list.withList({ rd_kafka_seek_partitions(handle, $0, timeoutMilliseconds) }) {
            let text = String(cString: rd_kafka_error_string(failure))
            rd_kafka_error_destroy(failure)
            throw .client(text, while: "seeking \(offsets.keys.sorted())")
        }
        if let failure = list.firstError(while: "seeking") { throw failure }
        for (partition, offset) in offsets {
            positions[partition] = offset
            partitionsAtEnd.remove(partition)
        }
    }

    /// Asks the brokers for metadata (which keeps its timeout while they are down); clears
    /// ``brokersDown`` when they answer.
    /// - Returns: whether a broker answered.
    @discardableResult
    public func probe(timeoutMilliseconds: Int32 = 1000) -> Bool {
        guard TopicMetadata.brokersAnswer(handle: handle, timeoutMilliseconds: timeoutMilliseconds) else { return false }
        shared.brokersDown = nil
        return true
    }

    /// The group's committed offsets for these partitions (nil where none).
    public func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 5000) throws(KafkaError) -> [TopicPartition: Int64?] {
        try committedWithMetadata(partitions, timeoutMilliseconds: timeoutMilliseconds).mapValues(\.offset)
    }

    /// The group's committed offsets for these partitions, each with the metadata committed with it.
    public func committedWithMetadata(
        _ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 5000
    ) throws(KafkaError) -> [TopicPartition: CommittedOffset] {
        let list = PartitionList(partitions)
        let error = list.withList { rd_kafka_committed(handle, $0, Int32(timeoutMilliseconds)) }
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "reading committed offsets") }
        return list.withEntries { entries in
            var result: [TopicPartition: CommittedOffset] = [:]
            for entry in entries {
                let metadata = entry.metadata.map { Array(UnsafeRawBufferPointer(start: $0, count: entry.metadata_size)) } ?? []
                result[TopicPartition(topic: String(cString: entry.topic), partition: entry.partition)] = CommittedOffset(
                    offset: entry.offset >= 0 ? entry.offset : nil, metadata: metadata)
            }
            return result
        }
    }

    /// Where reading these partitions starts: the committed offset, or for a partition with
    /// none, the watermark `auto.offset.reset` picks (asked of its leader). nil if a leader
    /// did not answer.
    public func startOffsets(committed: [TopicPartition: Int64?], timeoutMilliseconds: Int32 = 5000) -> [TopicPartition: Int64]? {
        var starts: [TopicPartition: Int64] = [:]
        for (partition, offset) in committed {
            if let offset {
                starts[partition] = offset
                continue
            }
            guard let start = listOffset(partition, end: resetsToEnd, timeoutMilliseconds: timeoutMilliseconds) else { return nil }
            starts[partition] = start
        }
        return starts
    }

    /// The cached low and high watermarks of a partition (from the last fetch), if known.
    public func watermarks(of partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let error = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Leaves the group and gives up the assignment (commit first: nothing is committed here),
    /// waiting at most `timeoutMilliseconds`. Idempotent.
    ///
    /// Leaving goes through the group coordinator: once the session is lost and no coordinator
    /// answers, librdkafka's blocking `rd_kafka_consumer_close` waited for one without end.
    /// Past the timeout the group is abandoned (the coordinator ends the membership when the
    /// session times out) and the handle is destroyed without a second close.
    /// - Returns: whether the consumer left the group in time.
    @discardableResult
    public func close(timeoutMilliseconds: Int = 10_000) -> Bool {
        guard lifecycle == .open else { return lifecycle == .closed }
        // rd_kafka_queue_new aborts rather than return NULL.
        let answers = rd_kafka_queue_new(handle)!
        // Destroying it disables it: what the group's termination posts later is dropped.
        defer { rd_kafka_queue_destroy(answers) }
        if let failure = rd_kafka_consumer_close_queue(handle, answers) {
            logger.warning("closing the consumer failed", metadata: ["error": "\(String(cString: rd_kafka_error_string(failure)))"])
            rd_kafka_error_destroy(failure)
            lifecycle = .abandoned
            return false
        }
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        while rd_kafka_consumer_closed(handle) == 0 {
            let left = Self.millisecondsLeft(until: deadline)
            guard left > 0 else {
                logger.warning("the consumer did not leave its group in \(timeoutMilliseconds) ms: is the group coordinator gone?")
                lifecycle = .abandoned
                return false
            }
            // Closed is a flag, not an event on this queue: look at it at least every 100 ms.
            guard let event = rd_kafka_queue_poll(answers, Int32(clamping: min(left, 100))) else { continue }
            defer { rd_kafka_event_destroy(event) }
            // The revocation arrives here as an event, not through the rebalance callback.
            if rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE {
                rebalanceCallback(handle, rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event), context.toOpaque())
            }
        }
        lifecycle = .closed
        return true
    }

    /// Whole milliseconds until `deadline`, rounded up; 0 once it has passed.
    private static func millisecondsLeft(until deadline: ContinuousClock.Instant) -> Int {
        max(0, Int(((deadline - ContinuousClock.now) / .milliseconds(1)).rounded(.up)))
    }

    /// Drops what is kept per partition for partitions given up (called by the rebalance callback).
    func forget(_ partitions: [TopicPartition]) {
        for partition in partitions {
            partitionsAtEnd.remove(partition)
            positions[partition] = nil
        }
    }
}

extension KafkaConsumer {
    /// Open until ``close()``; the handle itself is freed by `deinit`.
    enum Lifecycle {
        case open
        /// Left the group: no poll, commit or close does anything more.
        case closed
        /// Gave up leaving the group (no coordinator answered in time): as `closed`, and the
        /// handle is destroyed without another attempt.
        case abandoned
    }
}
