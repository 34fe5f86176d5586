import DriftMonitor
import Ingest
import KafkaIO
import Logging
import ServiceLifecycle
import UnixSignals

/// `driftwatch produce`: the demo's records to any broker, at a rate or as fast as possible.
public enum ProduceTraffic {
    /// Seldon traffic goes to ``DemoTraffic/seldonInputs`` and ``DemoTraffic/seldonOutputs``, not `topic`.
    /// - Returns: the inferences produced (a request and a response each for `kserve` and `seldon`).
    public static func run(
        bootstrap: String, topic: String, rate: Int, count: Int, driftAfter: Int, format: RecordDecoder.Format = .json,
        labelsTopic: String? = nil
    ) async throws -> Int {
        try await DedicatedThread.run(name: "driftwatch-produce") {
            var configuration = KafkaConfiguration(bootstrapServers: bootstrap)
            // Keyless records spread one by one: sticky batches of 10 ms would fill one partition
            // past what the mock broker keeps of it.
            configuration["sticky.partitioning.linger.ms"] = "0"
            let producer = try KafkaProducer(configuration: configuration)
            var traffic = DemoTraffic(driftAfter: driftAfter, format: format, labelled: labelsTopic != nil)
            let started = ContinuousClock.now
            for sent in 0..<count {
                if rate > 0 && sent % 100 == 0 {
                    let due = ContinuousClock.now - started
                    let ahead = Double(sent) / Double(rate) - due.inSeconds
                    if ahead > 0 { sleepMilliseconds(Int(ahead * 1000)) }
                }
                for message in traffic.nextMessages(timestampMilliseconds: 1_764_000_000_000 + Int64(sent)) {
                    try producer.send(topic: message.topic ?? topic, key: message.key, value: message.value, headers: message.headers)
                }
                if let labelsTopic {
                    try producer.send(topic: labelsTopic, key: nil, value: Array("{\"request_id\":\"\(traffic.requestID)\",\"label\":\(traffic.label)}".utf8))
                }
            }
            try producer.flush(timeoutMilliseconds: 60_000)
            producer.close()
        }
        return count
    }
}

/// Keeps `dev-broker` alive until SIGINT or SIGTERM.
public enum DevBrokerLifetime {
    struct Waiter: Service {
        func run() async throws {
            try? await gracefulShutdown()
        }
    }

    public static func waitForSignal() async throws {
        let group = ServiceGroup(
            services: [Waiter()], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "driftwatch.dev-broker"))
        try await group.run()
    }
}
