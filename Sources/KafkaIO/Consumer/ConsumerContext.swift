import CRdKafka
import Logging

/// What the C callbacks (rebalance, error, log) reach through librdkafka's opaque pointer.
final class ConsumerContext {
    let logger: Logger
    var onRebalance: (RebalanceEvent) -> Void = { _ in }
    var startOffsets: ([TopicPartition]) -> [TopicPartition: Int64] = { _ in [:] }
    /// What librdkafka said when it found every broker down; nil once one answers.
    var brokersDown: String?
    /// A rebalance happened during the current poll.
    var rebalanced = false
    weak var consumer: KafkaConsumer?

    init(logger: Logger) {
        self.logger = logger
    }
}

/// librdkafka's rebalance callback; also called by `KafkaConsumer.close` for the revocation that arrives as an event.
func rebalanceCallback(
    _ handle: OpaquePointer?, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let handle, let list, let opaque else { return }
    let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
    let partitions = PartitionList.partitions(of: list)
    context.rebalanced = true
    let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
    switch error {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        context.logger.info("partitions assigned", metadata: ["partitions": "\(partitions)"])
        context.onRebalance(.assigned(partitions))
        let starts = context.startOffsets(partitions)
        for i in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[i]
            if let start = starts[TopicPartition(topic: String(cString: entry.topic), partition: entry.partition)] {
                list.pointee.elems[i].offset = start
            }
        }
        if cooperative {
            if let failure = rd_kafka_incremental_assign(handle, list) { rd_kafka_error_destroy(failure) }
        } else {
            rd_kafka_assign(handle, list)
        }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        if rd_kafka_assignment_lost(handle) != 0 {
            context.logger.warning("partitions lost", metadata: ["partitions": "\(partitions)"])
            context.onRebalance(.lost(partitions))
        } else {
            context.logger.info("partitions revoked", metadata: ["partitions": "\(partitions)"])
            context.onRebalance(.revoked(partitions))
        }
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

/// Errors librdkafka raises outside any request: only "all brokers down" changes anything.
func errorCallback(_ handle: OpaquePointer?, _ error: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let opaque else { return }
    let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
    let text = reason.map { String(cString: $0) } ?? "unknown"
    if error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue {
        context.brokersDown = text
    }
    context.logger.warning("kafka client error", metadata: ["error": "\(text)"])
}

/// librdkafka's log lines, to the consumer's logger (``ClientLog``).
func consumerLogCallback(_ handle: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?) {
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
    ClientLog.forward(to: context.logger, client: rd_kafka_name(handle), level: level, facility: facility, message: message)
}
