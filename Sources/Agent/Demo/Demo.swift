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
        /// Partitions of the traffic's topics; nil: enough for the traffic (``partitions(for:)``).
        public var partitions: Int?
        /// How the traffic is written (and so how the agent reads it).
        public var format: RecordDecoder.Format = .json
        /// JSON traffic: the true labels follow on their own topic this much later, and the
        /// model's performance is watched (it drops after the drift).
        public var labelDelay: Duration? = .seconds(2)
        /// JSON traffic: records per second of a second model, a sentence encoder whose
        /// 384-dimensional embeddings shift their topic mix with the drift (nil: none).
        public var embeddingRate: Int?

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
    public static let labelsTopic = "inference-labels"

    public static func run(options: Options, logger: Logger, print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) async throws -> Summary {
        let cluster = try MockCluster()
        // Seldon traffic has its own topics: the model's .inputs and .outputs.
        let topics = options.format == .seldon ? [DemoTraffic.seldonInputs, DemoTraffic.seldonOutputs] : [topic]
        let partitions = options.partitions ?? Self.partitions(for: options)
        for topic in topics { try cluster.createTopic(topic, partitions: partitions) }
        try cluster.createTopic("driftwatch.events", partitions: 1)
        try cluster.createTopic("driftwatch.dlq", partitions: 1)
        let labelled = options.format == .json && options.labelDelay != nil
        if labelled { try cluster.createTopic(labelsTopic, partitions: partitions) }
        print("embedded Kafka (librdkafka mock cluster) at \(cluster.bootstrapServers), \(partitions) partitions")

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
        var references = [DemoTraffic.model: reference]
        let embeddingRate = options.format == .json ? options.embeddingRate : nil
        if options.embeddingRate != nil && embeddingRate == nil {
            print("--embeddings needs JSON traffic (--format json): no embedding model in this run")
        }
        if let embeddingRate {
            let embeddings = EmbeddingTraffic.reference(records: 4_000)
            references[EmbeddingTraffic.model] = embeddings
            // Windows of two seconds of its traffic, at least 200 records for the MMD.
            let records = max(200, 2 * embeddingRate)
            configuration.models.append(.init(name: EmbeddingTraffic.model, reference: "(generated)", window: WindowSettings(records: records)))
            print(
                "model \(EmbeddingTraffic.model): \(embeddingRate) records/s of \(EmbeddingTraffic.dimension)-dimensional embeddings, "
                    + "windows of \(records); reference \(embeddings.version), \(embeddings.rows) records")
        }
        var labelledReference: [String: LabelledPredictions] = [:]
        if labelled {
            configuration.models[0].task = .binary
            var labels = LabelSettings(topic: labelsTopic)
            labels.window = "5s"
            labels.maxDelay = "30s"
            configuration.models[0].labels = labels
            // A performance window holds 5 s of traffic, as many records as the reference:
            // too few reference chunks for the default rule, so thresholds relative to it for
            // every metric (ECE, near 0 before the drift, gets an absolute one).
            var policy = DriftPolicy()
            policy.performance.defaultRule = .relative(0.1)
            policy.performance.rules = [.logLoss: .relative(0.25), .ece: .absolute(0.05)]
            configuration.models[0].policy = policy
            labelledReference[DemoTraffic.model] = DemoTraffic.labelledReference(records: 20_000)
            print("labels on \(labelsTopic), \(options.labelDelay!) after their predictions; performance windows of 5 s")
        }

        let started = ContinuousClock.now
        let summary = Mutex(Summary())
        let catalogue = MetricCatalogue(version: AgentRuntime.version)
        let readiness = Readiness()
        let (http, pipeline) = try AgentRuntime.makeServices(
            configuration: configuration, references: references, labelled: labelledReference, catalogue: catalogue,
            readiness: readiness,
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
                print("    -> published \(event.kind.rawValue) id=\(event.id) features=\(event.features.compactMap(\.feature))")
            }
        } performanceObserver: { outcome in
            let elapsed = Int((ContinuousClock.now - started).components.seconds)
            summary.withLock { $0.events += outcome.events }
            print(performanceLine(outcome, elapsed: elapsed))
            for event in outcome.events {
                print("    -> published \(event.kind.rawValue) id=\(event.id) metrics=\(event.metrics.map(\.metric.rawValue))")
            }
        }
        let driftAfterSeconds = Double((options.driftAfter ?? options.duration / 3).components.seconds)
        let traffic = TrafficService(
            bootstrap: cluster.bootstrapServers, topic: topic, rate: options.rate,
            driftAfter: Int(driftAfterSeconds * Double(options.rate)), malformedEvery: 5_000, format: options.format,
            labelDelayRecords: labelled ? Int(options.labelDelay!.inSeconds * Double(options.rate)) : nil,
            embeddingRate: embeddingRate, shiftAfterSeconds: driftAfterSeconds, logger: logger)
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
            if feature.kind == .vector {
                return "\(feature.name) (mmd \(((feature.score(.mmd)?.value ?? 0) * 1e5).rounded() / 1e5) > \(((feature.driftThreshold) * 1e5).rounded() / 1e5))"
            }
            return "\(feature.name) (psi \(((feature.score(.psi)?.value ?? 0) * 100).rounded() / 100))"
        }
        let number = String(outcome.report.index)
        let model = outcome.report.model == DemoTraffic.model ? "" : "\(outcome.report.model) "
        return "[\(Int(elapsed))s] \(model)window \(String(repeating: " ", count: max(0, 4 - number.count)))\(number)  "
            + "\(outcome.report.records) records  state \(state.padding(7))  drifted: \(drifted.isEmpty ? "none" : drifted.joined(separator: ", "))"
    }

    static func performanceLine(_ outcome: Pipeline.PerformanceOutcome, elapsed: Int) -> String {
        func number(_ metric: PerformanceMetric) -> String { String(((outcome.values[metric] ?? .nan) * 1000).rounded() / 1000) }
        let state = ["OK", "WARNING", "DEGRADED"][outcome.state.gauge]
        let breached = outcome.breaches.map(\.metric.rawValue)
        return "[\(elapsed)s] performance of predictions at \(outcome.start / 1000 % 1000)-\(outcome.end / 1000 % 1000) s: \(outcome.joined) labelled, "
            + "accuracy \(number(.accuracy)), roc_auc \(number(.rocAUC)), state \(state)  worse: \(breached.isEmpty ? "none" : breached.joined(separator: ", "))"
    }

    /// Produces demo traffic at a steady rate on its own thread.
    struct TrafficService: Service {
        let bootstrap: String
        let topic: String
        let rate: Int
        let driftAfter: Int
        let malformedEvery: Int
        let format: RecordDecoder.Format
        /// Labelled traffic: each record's label goes to the labels topic this many records later.
        let labelDelayRecords: Int?
        /// Records per second of the embedding model, if any, and when its topic mix shifts.
        var embeddingRate: Int?
        var shiftAfterSeconds = 0.0
        let logger: Logger

        func run() async throws {
            let stop = StopFlag()
            try await withGracefulShutdownHandler {
                try await DedicatedThread.run(name: "driftwatch-demo-traffic") {
                    let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap), logger: logger)
                    var traffic = DemoTraffic(driftAfter: driftAfter, malformedEvery: malformedEvery, format: format, labelled: labelDelayRecords != nil)
                    var embeddings = embeddingRate.map { EmbeddingTraffic(shiftAfter: Int(shiftAfterSeconds * Double($0))) }
                    var embeddingsSent = 0
                    var pending: [(id: String, label: Int, due: Int)] = []
                    var next = 0
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
                            if let delay = labelDelayRecords {
                                pending.append((traffic.requestID, traffic.label, sent + delay))
                                while next < pending.count && pending[next].due <= sent {
                                    let label = Array("{\"request_id\":\"\(pending[next].id)\",\"label\":\(pending[next].label)}".utf8)
                                    try producer.send(topic: labelsTopic, key: nil, value: label)
                                    next += 1
                                }
                                if next > 100_000 {
                                    pending.removeFirst(next)
                                    next = 0
                                }
                            }
                        }
                        if let rate = embeddingRate {
                            let due = Int(elapsed.inSeconds * Double(rate))
                            while embeddingsSent < due && !stop.isSet, let value = embeddings?.next(timestampMilliseconds: now) {
                                try producer.send(topic: topic, key: nil, value: value)
                                embeddingsSent += 1
                            }
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

    /// Enough partitions that each holds 4 s of the traffic, 3 to 64.
    ///
    /// The mock cluster keeps 5 MiB a partition and drops the oldest records past that
    /// (`max_size` in librdkafka's `src/rdkafka_mock.c`). At 20,000 records/s with
    /// embeddings, 3 partitions held a second each: once the agent's fetches paused that long
    /// (librdkafka waits up to a second to fetch again after its queue was full), the broker
    /// had dropped the next records, and each reset to the partition's start was dropped
    /// again before the next fetch, 0.5 s later (`fetch.error.backoff.ms`): the partition lost
    /// records until the end of the run.
    static func partitions(for options: Options) -> Int {
        var traffic = DemoTraffic(driftAfter: 0, format: options.format)
        let samples = 100
        let bytes = (0..<samples).flatMap { _ in traffic.nextMessages(timestampMilliseconds: 0) }.reduce(0) { $0 + $1.value.count }
        var bytesPerSecond = Double(bytes) / Double(samples) * Double(options.rate)
        if options.format == .json, let rate = options.embeddingRate {
            var embeddings = EmbeddingTraffic(shiftAfter: 0)
            bytesPerSecond += Double(embeddings.next(timestampMilliseconds: 0).count * rate)
        }
        let retainedBytes = 5.0 * 1024 * 1024
        return min(64, max(3, Int((bytesPerSecond * 4 / retainedBytes).rounded(.up))))
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
