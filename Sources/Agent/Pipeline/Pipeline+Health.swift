import DriftMonitor
import Ingest
#if canImport(Glibc)
import Glibc
#endif
import KafkaIO
import Logging
import Telemetry

/// Readiness and consumer lag, updated between poll batches.
extension Pipeline {
    func updateReadiness() {
        if let down = consumer.brokersDown {
            if readiness.state.ready {
                readiness.set(ready: false, reason: "kafka unreachable: \(down)")
                logger.warning("kafka unreachable", metadata: ["error": "\(down)"])
            }
            let now = ContinuousClock.now
            if now - lastProbe >= .seconds(1) {
                lastProbe = now
                if consumer.probe(timeoutMilliseconds: 500) { logger.info("kafka reachable again") }
            }
            return
        }
        if !readiness.state.ready && !consumer.assignment().isEmpty { readiness.set(ready: true) }
    }

    func updateLag() {
        let now = ContinuousClock.now
        guard now - lastLagUpdate >= .seconds(1) else { return }
        lastLagUpdate = now
        for (partition, position) in consumer.positions {
            if let marks = consumer.watermarks(of: partition) {
                catalogue.setLag(topic: partition.topic, partition: partition.partition, records: max(0, marks.high - position))
            }
        }
    }
}
