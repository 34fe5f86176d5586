import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import ServiceLifecycle
import Synchronization
import Telemetry

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
        return configuration
    }

    /// The windows an agent closed, in order.
    final class WindowLog: Sendable {
        private let outcomes = Mutex<[Pipeline.WindowOutcome]>([])

        func append(_ outcome: Pipeline.WindowOutcome) { outcomes.withLock { $0.append(outcome) } }
        var count: Int { outcomes.withLock { $0.count } }
        var all: [Pipeline.WindowOutcome] { outcomes.withLock { $0 } }
    }

    /// The agent's services running in a group, each closed window logged.
    struct RunningAgent {
        let reference = DemoTraffic.reference(records: 20_000)
        let windows = WindowLog()
        let http: HTTPServer
        let group: ServiceGroup
        let running: Task<Void, any Error>

        init(configuration: AgentConfiguration, logger: Logger) throws {
            let windows = windows
            let (http, pipeline) = try AgentRuntime.makeServices(
                configuration: configuration, references: [DemoTraffic.model: reference], catalogue: MetricCatalogue(version: "test"),
                readiness: Readiness(), logger: logger
            ) { outcome in windows.append(outcome) }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: http), .init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup)],
                    logger: logger))
            self.http = http
            self.group = group
            running = Task { try await group.run() }
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
}
