@testable import Agent
import DriftMonitor
import Foundation
import HTTP
import KafkaIO
import Logging
import ServiceLifecycle
import Synchronization
import Telemetry
import TestSupport
import Testing

/// The suites that run agents on mock clusters, one test at a time: run side by side on two
/// cores, their group joins and deadlines starve each other.
@Suite("Agent on the mock Kafka cluster", .serialized)
enum AgentOnKafka {}

/// What the end-to-end tests share: the agent's configuration over a mock cluster, the agent
/// running as services, and reading a topic back.
enum AgentHarness {
    /// A mock cluster with the log topics and the agent's one-partition `events` and `dlq` topics.
    static func cluster(logTopics: [String] = ["logs"], partitions: Int) throws -> MockCluster {
        let cluster = try MockCluster()
        for topic in logTopics { try cluster.createTopic(topic, partitions: partitions) }
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("dlq", partitions: 1)
        return cluster
    }

    /// The agent of these tests: the mock cluster's topics, the demo model, its reference of
    /// 20,000 pre-drift records.
    static func configuration(_ cluster: MockCluster, topics: [String], windowRecords: Int) -> AgentConfiguration {
        var configuration = AgentConfiguration()
        configuration.kafka.bootstrap = cluster.bootstrapServers
        configuration.kafka.topics = topics
        configuration.kafka.group = "agent"
        configuration.kafka.eventsTopic = "events"
        configuration.kafka.dlqTopic = "dlq"
        configuration.httpPort = 0
        configuration.windowRecords = windowRecords
        configuration.models = [.init(name: DemoTraffic.model, reference: "(test)")]
        // A member that dies without leaving holds the group until its session ends: 6 s, not 45.
        configuration.kafka.properties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
        return configuration
    }

    /// Produces demo records `range` of `traffic` (one per millisecond from a fixed time), round
    /// robin over `partitions`, and waits for their acknowledgement.
    /// With `labelsTopic`, labelled traffic's labels go there after the records.
    static func produce(
        _ range: Range<Int>, of traffic: inout DemoTraffic, topic: String = "logs", partitions: Int, producer: KafkaProducer,
        labelsTopic: String? = nil
    ) throws {
        var labels: [[UInt8]] = []
        var tickets = try range.map { i in
            let ticket = try producer.send(
                topic: topic, key: nil, value: traffic.next(timestampMilliseconds: 1_764_000_000_000 + Int64(i)),
                partition: Int32(i % partitions))
            if labelsTopic != nil { labels.append(Array("{\"request_id\":\"\(traffic.requestID)\",\"label\":\(traffic.label)}".utf8)) }
            return ticket
        }
        if let labelsTopic {
            tickets += try labels.enumerated().map { i, label in try producer.send(topic: labelsTopic, key: nil, value: label, partition: Int32(i % partitions)) }
        }
        try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
    }

    /// Points the model of a ``processSetup`` configuration at reference records of the clean
    /// labelled demo traffic (`reference.jsonl`, each with its `label`), for models with labels.
    static func useLabelledReference(configuration: String, in directory: URL, records: Int) throws {
        var traffic = DemoTraffic(seed: 99, driftAfter: .max, labelled: true)
        var lines: [UInt8] = []
        for i in 0..<records {
            let record = traffic.next(timestampMilliseconds: Int64(i))
            lines += Array("{\"label\":\(traffic.label),".utf8) + record.dropFirst() + [UInt8(ascii: "\n")]
        }
        let path = directory.appendingPathComponent("reference.jsonl")
        try Data(lines).write(to: path)
        let yaml = try String(contentsOfFile: configuration, encoding: .utf8)
            .replacingOccurrences(of: directory.appendingPathComponent("reference.json").path + "\n", with: path.path + "\n")
        try yaml.write(toFile: configuration, atomically: true, encoding: .utf8)
    }

    /// A fresh directory holding a reference of the clean demo traffic and a configuration for
    /// the `driftwatch` process on `cluster` (`topics`, windows of `windowRecords`), with
    /// `extra` top-level YAML, `kafkaExtra` keys of `kafka` and `modelExtra` keys of the model appended.
    static func processSetup(
        _ cluster: MockCluster, topics: [String] = ["logs"], windowRecords: Int = 500, extra: String = "", kafkaExtra: String = "",
        modelExtra: String = ""
    ) throws -> (directory: URL, configuration: String, reference: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-process-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reference = directory.appendingPathComponent("reference.json")
        try JSONEncoder().encode(DemoTraffic.reference(records: 20_000)).write(to: reference)
        let configuration = directory.appendingPathComponent("agent.yaml").path
        try """
        kafka:
          bootstrap: "\(cluster.bootstrapServers)"
          topics: [\(topics.map { "\"\($0)\"" }.joined(separator: ", "))]
          events_topic: events
          dlq_topic: dlq
        \(kafkaExtra)
        http_port: 0
        window_records: \(windowRecords)
        \(extra)
        models:
          - name: \(DemoTraffic.model)
            reference: \(reference.path)
        \(modelExtra)
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        return (directory, configuration, reference)
    }

    /// Waits until `condition` holds, polling, for at most `timeout`; past it records an issue
    /// at the caller's line (see ``eventually(_:timeout:sourceLocation:_:)``).
    static func wait(
        for timeout: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation, until condition: () -> Bool
    ) async throws {
        try await eventually("the awaited condition", timeout: timeout, sourceLocation: sourceLocation, condition)
    }

    /// What an agent closed, in order: its drift windows or its performance windows.
    final class OutcomeLog<Outcome: Sendable>: Sendable {
        private let outcomes = Mutex<[Outcome]>([])

        func append(_ outcome: Outcome) { outcomes.withLock { $0.append(outcome) } }
        var count: Int { outcomes.withLock { $0.count } }
        var all: [Outcome] { outcomes.withLock { $0 } }
    }

    /// The agent's services running in a group, each closed window logged.
    struct RunningAgent {
        let reference = DemoTraffic.reference(records: 20_000)
        let windows = OutcomeLog<Pipeline.WindowOutcome>()
        /// With labels: the performance windows it judged.
        let performance = OutcomeLog<Pipeline.PerformanceOutcome>()
        let readiness = Readiness()
        let http: HTTPServer
        let group: ServiceGroup
        let running: Task<Void, any Error>

        init(configuration: AgentConfiguration, logger: Logger) throws {
            let (windows, performance) = (windows, performance)
            // A model with labels judges its performance against the clean labelled demo traffic.
            let labelled = configuration.models.contains { $0.labels != nil } ? [DemoTraffic.model: DemoTraffic.labelledReference(records: 20_000)] : [:]
            let (http, pipeline) = try AgentRuntime.makeServices(
                configuration: configuration, references: [DemoTraffic.model: reference], labelled: labelled,
                catalogue: MetricCatalogue(version: "test"), readiness: readiness, logger: logger,
                observer: { outcome in windows.append(outcome) }, performanceObserver: { outcome in performance.append(outcome) })
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: http), .init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup)],
                    logger: logger))
            self.http = http
            self.group = group
            running = Task { try await group.run() }
        }

        /// Shuts the agent down gracefully and waits for it to stop.
        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await running.value
        }

        /// Scrapes /metrics until `done` holds for the exposition (and whatever else it checks),
        /// or `timeout` passes; returns the last exposition.
        func scrape(for timeout: Duration = .seconds(120), until done: (String) -> Bool) async throws -> String {
            try await AgentHarness.scrape(port: try await http.boundPort.wait(), for: timeout, until: done)
        }

        /// The status and body of a GET on the agent's HTTP port.
        func get(_ path: String) async throws -> (status: Int, body: String) {
            try await AgentHarness.get(port: try await http.boundPort.wait(), path)
        }

        /// Waits until the group's assignment of `agents` satisfies `split` (their assigned
        /// partition counts, in order) and has not changed for `holding`: the mock broker may
        /// rebalance twice for one join, and refuses commits while it does.
        static func awaitAssignment(
            of agents: [RunningAgent], holding: Duration = .seconds(2), sourceLocation: SourceLocation = #_sourceLocation,
            _ split: @escaping ([Int]) -> Bool
        ) async throws {
            var last: [Int] = []
            var since = ContinuousClock.now
            try await eventually("an assignment that holds for \(holding)", sourceLocation: sourceLocation) {
                var counts: [Int] = []
                for agent in agents { counts.append(try await agent.assignedPartitions()) }
                if counts != last {
                    last = counts
                    since = ContinuousClock.now
                }
                return split(counts) && ContinuousClock.now - since >= holding
            }
        }

        /// The partitions the group assigns this agent now (`driftwatch_kafka_assigned_partitions`).
        func assignedPartitions() async throws -> Int {
            let metrics = try await get("/metrics").body
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("driftwatch_kafka_assigned_partitions ") }
            return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
        }
    }

    /// Scrapes `/metrics` on `port` until `done` holds for the exposition, or `timeout`
    /// passes; returns the last exposition.
    static func scrape(port: Int, for timeout: Duration = .seconds(120), until done: (String) -> Bool) async throws -> String {
        var metrics = ""
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            metrics = try await get(port: port, "/metrics").body
            if done(metrics) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return metrics
    }

    /// The status and body of a GET on a local HTTP port.
    static func get(port: Int, _ path: String) async throws -> (status: Int, body: String) {
        try await LocalHTTP.get(port: port, path)
    }

    /// Committed offsets of the agents' group.
    static func committed(_ cluster: MockCluster, topic: String = "logs", partitions: Int, group: String = "agent", logger: Logger) throws -> [Int64] {
        let checker = try KafkaConsumer.observing(
            groupID: group, configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), logger: logger)
        defer { checker.close() }
        let committed = try checker.committed((0..<partitions).map { TopicPartition(topic: topic, partition: Int32($0)) })
        return (0..<partitions).map { committed[TopicPartition(topic: topic, partition: Int32($0))].flatMap { $0 } ?? 0 }
    }

    /// Checks that closed windows took each partition's records exactly once, from offset 0 up
    /// to the committed offset: no record lost, none counted twice.
    static func expectCoverage(
        of windows: [Pipeline.WindowOutcome], topic: String = "logs", committed: [Int64], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (partition, end) in committed.enumerated() {
            let ranges = windows.compactMap { $0.offsets[TopicPartition(topic: topic, partition: Int32(partition))] }
                .sorted { $0.lowerBound < $1.lowerBound }
            var next: Int64 = 0
            for range in ranges {
                #expect(range.lowerBound == next, "partition \(partition): a window starts at \(range.lowerBound), expected \(next)", sourceLocation: sourceLocation)
                next = range.upperBound + 1
            }
            #expect(next == end, "partition \(partition): closed windows end at \(next), committed \(end)", sourceLocation: sourceLocation)
        }
    }

    struct Message {
        var key: String?
        var value: [UInt8]
        var headers: [String: String]
    }

    static func type(of value: [UInt8]) throws -> String? {
        (try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])?["type"] as? String
    }

    /// Every message of a topic, read by a fresh consumer group.
    static func readAll(topic: String, bootstrap: String, logger: Logger) throws -> [Message] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "reader-\(topic)-\(UUID())", topics: [topic], logger: logger)
        defer { consumer.close() }
        var messages: [Message] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while !consumer.isAtEndOfAssignment && ContinuousClock.now < deadline {
            consumer.poll(timeoutMilliseconds: 100) { message in
                var headers: [String: String] = [:]
                for header in message.headers() { headers[header.name] = header.value.map { String(decoding: $0, as: UTF8.self) } }
                messages.append(
                    Message(
                        key: message.key.map { String(decoding: $0, as: UTF8.self) }, value: message.value.map { Array($0) } ?? [],
                        headers: headers))
            }
        }
        return messages
    }

    /// `tensors:` of the demo model's tensor mapping, as a YAML line for ``processSetup``.
    static var demoTensorsLine: String {
        "tensors: " + String(decoding: (try? JSONSerialization.data(withJSONObject: DemoTraffic.tensors, options: .sortedKeys)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Runs a traffic writer of Tests/Scripts (a model server's traffic made with its real
    /// clients) with `arguments` and the demo model's features; returns the summary it prints.
    static func writeTraffic(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let features = try JSONSerialization.data(withJSONObject: [
            "numeric": DemoTraffic.numeric.map(\.name),
            "categorical": Dictionary(uniqueKeysWithValues: DemoTraffic.categorical.map { ($0.name, $0.values) }),
        ])
        let written = try ChildProcess.run(
            ["python3", Repository.root.appendingPathComponent("Tests/Scripts/\(script)").path] + arguments
                + [String(decoding: features, as: UTF8.self)])
        try #require(written.status == 0, "\(script): \(written.errors)")
        return try #require(try JSONSerialization.jsonObject(with: written.output) as? [String: Any])
    }
}
