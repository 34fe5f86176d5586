import HTTP
import KafkaIO
import Logging
import Telemetry

/// Readiness and consumer lag, updated between poll batches.
final class ConsumerHealth {
    let consumer: KafkaConsumer
    let readiness: Readiness
    let catalogue: MetricCatalogue
    let logger: Logger
    private var lastProbe = ContinuousClock.now
    private var lastLagUpdate = ContinuousClock.now
    /// The outage now under way was logged (once, whether or not the agent was ready then: a
    /// group coordinator that is gone may revoke the partitions first).
    private var outageLogged = false

    init(consumer: KafkaConsumer, readiness: Readiness, catalogue: MetricCatalogue, logger: Logger) {
        self.consumer = consumer
        self.readiness = readiness
        self.catalogue = catalogue
        self.logger = logger
    }

    /// Not ready while the brokers are down (probed every second), ready once partitions are assigned.
    func updateReadiness() {
        if let down = consumer.brokersDown {
            if readiness.state.ready { readiness.set(ready: false, reason: "kafka unreachable: \(down)") }
            if !outageLogged {
                outageLogged = true
                logger.warning("kafka unreachable", metadata: ["error": "\(down)"])
            }
            let now = ContinuousClock.now
            if now - lastProbe >= .seconds(1) {
                lastProbe = now
                if consumer.probe(timeoutMilliseconds: 500) { logger.info("kafka reachable again") }
            }
            return
        }
        outageLogged = false
        if !readiness.state.ready && !consumer.assignment().isEmpty { readiness.set(ready: true) }
    }

    /// The lag series, at most every second.
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
