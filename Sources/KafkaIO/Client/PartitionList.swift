import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// A librdkafka topic-partition list, owned: freed once, when the last reference goes.
final class PartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Takes ownership of a list librdkafka created for the caller.
    init(adopting pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    /// A list of these partitions at these offsets; `metadata` goes with every entry.
    convenience init(_ offsets: [TopicPartition: Int64], metadata: [UInt8] = []) {
        // rd_kafka_topic_partition_list_new aborts rather than return NULL.
        self.init(adopting: rd_kafka_topic_partition_list_new(Int32(offsets.count))!)
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

    var entries: UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: pointer.pointee.elems, count: Int(pointer.pointee.cnt))
    }

    var partitions: [TopicPartition] { Self.partitions(of: pointer) }

    /// The partitions of a list this code does not own (one a callback lends).
    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { i in
            TopicPartition(topic: String(cString: list.pointee.elems[i].topic), partition: list.pointee.elems[i].partition)
        }
    }

    /// The first entry librdkafka marked with an error, as one naming `what` and the partition.
    func firstError(while what: String) -> KafkaError? {
        guard let entry = entries.first(where: { $0.err != RD_KAFKA_RESP_ERR_NO_ERROR }) else { return nil }
        return .rdKafka(entry.err, while: "\(what) \(String(cString: entry.topic))[\(entry.partition)]")
    }
}
