import DriftMonitor
import HTTP
import Ingest
import KafkaIO
import Logging
import ServiceLifecycle
import Synchronization
import Telemetry
import UnixSignals

/// `driftwatch demo`: an embedded Kafka (librdkafka's mock cluster), synthetic traffic that
/// drifts after a set point, the agent and its HTTP port, in one process.
public enum Demo {
    public struct Options: Sendable {
        public var duration: Duration = .seconds(60)
        public var httpPort = 9400
        /// Records per second produced.
        public var rate = 20_000
        public var windowRecords = 5_000
        /// When the three features start to drift; a third of the duration by default.
        public var driftAfter: Duration?
        public var partitions = 3
        /// How the traffic is written (and so how the agent reads it).
        public var format: RecordDecoder.Format = .json

        public init() {}
    }

    /// What the demo did, for its last lines and for tests.
    public struct Summary: Sendable {
        public var recordsInClosedWindows = 0
        public var windows = 0
        public var events: [DriftEvent] = []
        public var seconds = 0.0
    }

    public static let topic = "inference-logs"

    public static func run(options: Options, logger: Logger, print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) async throws -> Summary {
        let cluster = try MockCluster()
        // Seldon traffic has its own topics: the model's .inputs and .outputs.
        let topics = options.format == .seldon ? [DemoTraffic.seldonInputs, DemoTraffic.seldonOutputs] : [topic]
        for topic in topics { try cluster.createTopic(topic, partitions: options.partitions) }
        try cluster.createTopic("driftwatch.events", partitions: 1)
        try cluster.createTopic("driftwatch.dlq", partitions: 1)
        print("embedded Kafka (librdkafka mock cluster) at \(cluster.bootstrapServers)")

        let reference = DemoTraffic.reference(records: 20_000)
        print("reference profile \(reference.version): \(reference.rows) records, \(reference.features.count) features")

        var configuration = AgentConfiguration()
        configuration.kafka.bootstrap = cluster.bootstrapServers
        configuration.kafka.topics = topics
        configuration.kafka.group = "driftwatch-demo"
        configuration.kafka.format = options.format
        configuration.tensors = DemoTraffic.tensors
        configuration.httpPort = options.httpPort
        configuration.windowRecords = options.windowRecords
        configuration.models = [.init(name: DemoTraffic.model, reference: "(generated)")]

        let started = ContinuousClock.now
        let summary = Mutex(Summary())
        let catalogue = MetricCatalogue(version: AgentRuntime.version)
        let readiness = Readiness()
        let (http, pipeline) = try AgentRuntime.makeServices(
            configuration: configuration, references: [DemoTraffic.model: reference], catalogue: catalogue, readiness: readiness,
            logger: logger
        ) { outcome in
            let elapsed = Double((ContinuousClock.now - started).components.seconds)
            summary.withLock {
                $0.windows += 1
                $0.recordsInClosedWindows += outcome.report.records
                $0.events += outcome.events
            }
            print(statusLine(outcome, elapsed: elapsed))
            for event in outcome.events {
                print("    -> published \(event.kind.rawValue) id=\(event.id) features=\(event.features.map(\.feature))")
            }
        }
        let driftAfterSeconds = Double((options.driftAfter ?? options.duration / 3).components.seconds)
        let traffic = TrafficService(
            bootstrap: cluster.bootstrapServers, topic: topic, rate: options.rate,
            driftAfter: Int(driftAfterSeconds * Double(options.rate)), malformedEvery: 5_000, format: options.format)
        print("producing \(options.rate) records/s; \(DemoTraffic.driftingFeatures.joined(separator: ", ")) drift after \(Int(driftAfterSeconds)) s")
        print("metrics at http://localhost:\(options.httpPort)/metrics; stops after \(options.duration) or on Ctrl-C")
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: http),
                    .init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: traffic),
                    .init(service: Timer(duration: options.duration), successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        var result = summary.withLock { $0 }
        result.seconds = (ContinuousClock.now - started).inSeconds
        print(
            "done: \(result.windows) windows, \(result.recordsInClosedWindows) records in closed windows in \(Int(result.seconds)) s "
                + "(\(Int(Double(result.recordsInClosedWindows) / max(result.seconds, 1))) records/s), \(result.events.count) events")
        return result
    }

    static func statusLine(_ outcome: Pipeline.WindowOutcome, elapsed: Double) -> String {
        let state = ["OK", "WARNING", "DRIFT"][outcome.state.gauge]
        let drifted = outcome.report.driftedFeatures.map { feature in
            "\(feature.name) (psi \(((feature.score(.psi)?.value ?? 0) * 100).rounded() / 100))"
        }
        let number = String(outcome.report.index)
        return "[\(Int(elapsed))s] window \(String(repeating: " ", count: max(0, 4 - number.count)))\(number)  "
            + "\(outcome.report.records) records  state \(state.padding(7))  drifted: \(drifted.isEmpty ? "none" : drifted.joined(separator: ", "))"
    }

    /// Produces demo traffic at a steady rate on its own thread.
    struct TrafficService: Service {
        let bootstrap: String
        let topic: String
        let rate: Int
        let driftAfter: Int
        let malformedEvery: Int
        let format: RecordDecoder.Format

        func run() async throws {
            let stop = StopFlag()
            try await withGracefulShutdownHandler {
                try await DedicatedThread.run(name: "driftwatch-demo-traffic") {
                    let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
                    var traffic = DemoTraffic(driftAfter: driftAfter, malformedEvery: malformedEvery, format: format)
                    let started = ContinuousClock.now
                    var sent = 0
                    while !stop.isSet {
                        let elapsed = ContinuousClock.now - started
                        let due = Int(elapsed.inSeconds * Double(rate))
                        let now = Int64(1_764_000_000_000) + Int64(elapsed.components.seconds * 1000)
                        while sent < due && !stop.isSet {
                            for message in traffic.nextMessages(timestampMilliseconds: now) {
                                try producer.send(topic: message.topic ?? topic, key: message.key, value: message.value, headers: message.headers)
                            }
                            sent += 1
                        }
                        producer.poll()
                        sleepMilliseconds(5)
                    }
                    producer.close(timeoutMilliseconds: 2_000)
                }
            } onGracefulShutdown: {
                stop.set()
            }
        }
    }

    /// Ends the demo after its duration.
    struct Timer: Service {
        let duration: Duration

        func run() async throws {
            try? await Task.sleep(for: duration)
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
