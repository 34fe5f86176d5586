import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// A librdkafka topic-partition list, owned: freed once, when the last reference goes.
///
/// The list is reached only through ``withList(_:)``: Swift may free an object right after
/// its last use, so a bare pointer read from it could outlive the list in an optimised build.
final class PartitionList {
    private let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Takes ownership of a list librdkafka created for the caller.
    init(adopting pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    /// A list of these partitions at these offsets; `metadata` goes with every entry.
    convenience init(_ offsets: [TopicPartition: Int64], metadata: [UInt8] = []) {
        // rd_kafka_topic_partition_list_new aborts rather than return NULL.
        let pointer = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        self.init(adopting: pointer)
        for (partition, offset) in offsets {
            let entry = rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition)!
            entry.pointee.offset = offset
            if !metadata.isEmpty {
                // The list owns its metadata and frees it with free().
                let copy = malloc(metadata.count)!
                metadata.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: metadata.count) }
                entry.pointee.metadata = copy
                entry.pointee.metadata_size = metadata.count
            }
        }
    }

    /// These partitions, each at the invalid offset (as `rd_kafka_committed` wants them).
    convenience init(_ partitions: [TopicPartition]) {
        self.init(Dictionary(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }, uniquingKeysWith: { first, _ in first }))
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(pointer)
    }

    /// Runs `body` with the list, which lives at least until `body` returns.
    func withList<Result, Failure: Error>(
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        defer { withExtendedLifetime(self) {} }
        return try body(pointer)
    }

    /// Runs `body` with the list's entries, which live at least until `body` returns.
    func withEntries<Result>(_ body: (UnsafeMutableBufferPointer<rd_kafka_topic_partition_t>) -> Result) -> Result {
        defer { withExtendedLifetime(self) {} }
        return body(UnsafeMutableBufferPointer(start: pointer.pointee.elems, count: Int(pointer.pointee.cnt)))
    }

    var partitions: [TopicPartition] { withEntries { $0.map { TopicPartition(topic: String(cString: $0.topic), partition: $0.partition) } } }

    /// The partitions of a list this code does not own (one a callback lends).
    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { i in
            TopicPartition(topic: String(cString: list.pointee.elems[i].topic), partition: list.pointee.elems[i].partition)
        }
    }

    /// The first entry librdkafka marked with an error, as one naming `what` and the partition.
    func firstError(while what: String) -> KafkaError? {
        withList { Self.firstError(in: $0, while: what) }
    }

    /// The same, of a list librdkafka owns (an event's).
    static func firstError(in list: UnsafePointer<rd_kafka_topic_partition_list_t>, while what: String) -> KafkaError? {
        let entries = UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
        guard let entry = entries.first(where: { $0.err != RD_KAFKA_RESP_ERR_NO_ERROR }) else { return nil }
        return .rdKafka(entry.err, while: "\(what) \(String(cString: entry.topic))[\(entry.partition)]")
    }
}
