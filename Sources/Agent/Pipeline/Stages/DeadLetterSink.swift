import DriftMonitor
import Ingest
import KafkaIO
import Logging

/// Copies records that cannot be decoded to the dead-letter topic, with why and where from in
/// headers. Their acknowledgements are awaited once per poll batch, before offsets move past them.
final class DeadLetterSink {
    let producer: any MessageProducing
    let topic: String
    let logger: Logger
    private(set) var pending: [KafkaProducer.Ticket] = []

    init(producer: any MessageProducing, topic: String, logger: Logger) {
        self.producer = producer
        self.topic = topic
        self.logger = logger
    }

    /// The headers a dead-lettered copy carries besides the original's.
    static func headers(reason: String, detail: String, topic: String, partition: Int32, offset: Int64) -> [MessageHeader] {
        [
            MessageHeader(name: "driftwatch.error.reason", string: reason),
            MessageHeader(name: "driftwatch.error.detail", string: detail),
            MessageHeader(name: "driftwatch.source.topic", string: topic),
            MessageHeader(name: "driftwatch.source.partition", string: String(partition)),
            MessageHeader(name: "driftwatch.source.offset", string: String(offset)),
        ]
    }

    /// Enqueues a copy of `message` (from `sourceTopic`) with `error`'s reason and detail.
    func send(_ message: borrowing ConsumedMessage, from sourceTopic: String, error: DecodeError) throws(KafkaError) {
        let headers =
            message.headers()
            + Self.headers(reason: error.reason.rawValue, detail: error.description, topic: sourceTopic, partition: message.partition, offset: message.offset)
        let key = message.key.map { Array($0) }
        let value = message.value.map { Array($0) }
        pending.append(try producer.send(topic: topic, key: key, value: value, headers: headers, partition: KafkaProducer.anyPartition))
        let offset = message.offset
        logger.debug("record dead-lettered", metadata: ["reason": "\(error.reason.rawValue)", "offset": "\(offset)"])
    }

    /// Waits for every copy sent since the last call to be acknowledged.
    /// - Throws: ``PipelineError/deadLetter(_:)`` when one is refused or the wait times out,
    ///   ``PipelineError/stopped(_:)`` when `shouldStop` says so first.
    func awaitAcknowledgements(timeoutMilliseconds: Int = 30_000, shouldStop: () -> Bool) throws(PipelineError) {
        guard !pending.isEmpty else { return }
        let outcome: KafkaProducer.DeliveryOutcome
        do {
            outcome = try producer.waitForDelivery(of: pending, timeoutMilliseconds: timeoutMilliseconds, abandonWhen: shouldStop)
        } catch {
            throw .deadLetter(error)
        }
        guard outcome == .acknowledged else {
            producer.purge()
            throw .stopped("\(pending.count) dead-lettered records")
        }
        pending.removeAll(keepingCapacity: true)
    }
}
