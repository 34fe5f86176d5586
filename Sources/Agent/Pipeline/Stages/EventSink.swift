import DriftMonitor
import HTTP
import KafkaIO
import Logging
import Telemetry

/// Sends drift events (and a member's pane summaries) one at a time and waits for Kafka's
/// acknowledgement, retrying with backoff.
///
/// The pipeline stores no offset past a window whose events are not acknowledged. A broker
/// that refuses them makes each attempt wait `deliveryTimeoutMilliseconds`; when the agent is
/// asked to stop, the sink stops waiting and drops what it sent, so that SIGTERM is not held
/// past the pod's grace period. The window is judged again from the committed offsets.
final class EventSink {
    let producer: any MessageProducing
    let topic: String
    let attempts: Int
    let deliveryTimeoutMilliseconds: Int
    let readiness: Readiness
    let logger: Logger
    /// Set by the pipeline for the length of its run.
    var shouldStop: () -> Bool = { false }
    private var partitionCounts: [String: Int] = [:]

    init(
        producer: any MessageProducing, topic: String, attempts: Int, deliveryTimeoutMilliseconds: Int = 10_000, readiness: Readiness,
        logger: Logger
    ) {
        self.producer = producer
        self.topic = topic
        self.attempts = attempts
        self.deliveryTimeoutMilliseconds = deliveryTimeoutMilliseconds
        self.readiness = readiness
        self.logger = logger
    }

    /// Publishes events as CloudEvents and waits for each one's acknowledgement.
    func publish(_ events: [DriftEvent], metrics: ModelMetrics) throws(PipelineError) {
        for event in events {
            logger.debug("publishing event", metadata: ["type": "\(event.kind.rawValue)", "id": "\(event.id)"])
            try sendAcknowledged(
                topic: topic, key: Array(event.model.utf8), value: event.cloudEventJSON(),
                headers: [MessageHeader(name: "content-type", string: "application/cloudevents+json; charset=UTF-8")], id: event.id
            ) {
                if event.kind == .retrainingRequested { metrics.countRetraining(acknowledged: false) }
            }
            if event.kind == .retrainingRequested { metrics.countRetraining(acknowledged: true) }
            metrics.countPublished(event)
            logger.info(
                "event published",
                metadata: [
                    "model": "\(event.model)", "type": "\(event.kind.rawValue)", "id": "\(event.id)",
                    "window_end": "\(event.windowEnd)", "features": "\(event.features.compactMap(\.feature))",
                ])
        }
    }

    /// Sends a message and waits for Kafka's acknowledgement, retrying with backoff; `failed`
    /// runs after each failed attempt.
    /// - Throws: ``PipelineError/publish(_:_:)`` after the last attempt,
    ///   ``PipelineError/stopped(_:)`` when the agent stops first.
    func sendAcknowledged(
        topic: String, key: [UInt8], value: [UInt8], headers: [MessageHeader], partition: Int32? = nil, id: String, failed: () -> Void = {}
    ) throws(PipelineError) {
        var attempt = 0
        while true {
            attempt += 1
            let outcome: KafkaProducer.DeliveryOutcome
            do {
                let ticket = try producer.send(topic: topic, key: key, value: value, headers: headers, partition: partition ?? KafkaProducer.anyPartition)
                outcome = try producer.waitForDelivery(of: [ticket], timeoutMilliseconds: deliveryTimeoutMilliseconds, abandonWhen: shouldStop)
            } catch {
                failed()
                logger.error("publishing failed", metadata: ["topic": "\(topic)", "id": "\(id)", "attempt": "\(attempt)", "error": "\(error)"])
                if attempt >= attempts { throw .publish(id, error) }
                readiness.set(ready: false, reason: "cannot publish to \(topic): \(error)")
                if DedicatedThread.sleep(for: .milliseconds(min(200 << attempt, 5_000)), unless: shouldStop) { continue }
                outcome = .abandoned
            }
            guard outcome == .acknowledged else {
                producer.purge()
                throw .stopped(id)
            }
            return
        }
    }

    /// A topic's partition count, asked of the broker until it answers.
    func partitionCount(of topic: String) -> Int? {
        if let known = partitionCounts[topic] { return known }
        partitionCounts[topic] = producer.partitionCount(of: topic, timeoutMilliseconds: 5_000)
        return partitionCounts[topic]
    }
}
