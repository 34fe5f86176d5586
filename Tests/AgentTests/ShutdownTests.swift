import Agent
import Foundation
import KafkaIO
import Logging
import Testing

extension AgentOnKafka {
    /// SIGTERM to the `driftwatch` process while the broker refuses its events.
    @Suite("Shutdown while Kafka refuses events", .serialized)
    struct ShutdownTests {
        @Test("SIGTERM during an unacknowledged publish: exits within 10 s, commits nothing past the window, which a restart publishes")
        func sigtermWhileRefused() async throws {
            var logger = Logger(label: "shutdown")
            logger.logLevel = .warning
            let cluster = try AgentHarness.cluster(partitions: 1)
            // A member that dies without leaving holds the group until its session ends: 6 s, not 45.
            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster, extra: "log_level: debug", kafkaExtra: "  properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}")
            defer { try? FileManager.default.removeItem(at: directory) }
            // Two drifted windows of 500 records (the second raises the events) and 200 records in
            // the third, acknowledged before the refusals start.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 17, driftAfter: 0)
            try AgentHarness.produce(0..<1_200, of: &traffic, partitions: 1, producer: producer)
            // Not enough replicas: librdkafka retries it until the message times out (5 min).
            cluster.refuseProduceRequests(count: 100_000, code: 19)

            let (agent, _) = try await AgentProcess.run(configuration: configuration)
            let publishing = try await agent.waitForLine(containing: "publishing event")
            try #require(publishing != nil, "the drifted window published no event: \(agent.log.suffix(5))")
            // Into the wait for the broker's acknowledgement, which never comes.
            try await Task.sleep(for: .seconds(1))
            let took = try await agent.signalAndWait(SIGTERM, timeout: .seconds(60))
            #expect(!agent.isRunning)
            #expect(took < .seconds(10), "SIGTERM took \(took) to end the agent")
            #expect(agent.exitStatus == 0, "\(agent.log.suffix(5))")
            #expect(agent.log.contains { $0.contains("stopped before Kafka acknowledged") }, "\(agent.log.suffix(5))")
            #expect(!agent.log.contains { $0.contains("window closed") && $0.contains("window=1 ") }, "closed only once its events are acknowledged")
            // Window 0 may have been committed in an earlier poll batch; nothing of window 1 is.
            let committed = try AgentHarness.committed(cluster, partitions: 1, group: "driftwatch", logger: logger)
            #expect(committed == [0] || committed == [500], "committed \(committed)")

            // The broker takes produce requests again: a restart reads the window again and publishes its event.
            cluster.acceptProduceRequests()
            let (restarted, _) = try await AgentProcess.run(configuration: configuration)
            // It joins once the first member's session has timed out; a loaded CI machine once took over 60 s.
            let closed = try await restarted.waitForLine(containing: "window closed", "window=1 ", timeout: .seconds(120))
            #expect(
                closed.flatMap { AgentProcess.value(of: "offsets", in: $0) } == "logs[0]:500-999",
                "the restart: \(restarted.log.filter { !$0.contains("Connect to") }.suffix(8))")
            let firstEvent = try #require(publishing.flatMap { AgentProcess.value(of: "id", in: $0) })
            let events = closed.flatMap { AgentProcess.value(of: "events", in: $0) }?.split(separator: ",").map(String.init) ?? []
            #expect(events.first == firstEvent, "the replayed window's event keeps its id: \(events)")
            restarted.kill(SIGTERM)
            #expect(restarted.exitStatus == 0)
            #expect(try AgentHarness.committed(cluster, partitions: 1, group: "driftwatch", logger: logger) == [1_000])
        }

        @Test(
            "SIGTERM while the broker is gone, before and after the session ends: the agent stops within 20 s instead of waiting for Kafka to come back",
            arguments: [false, true])
        func sigtermWhileBrokerGone(sessionLost: Bool) async throws {
            var cluster: MockCluster? = try AgentHarness.cluster(partitions: 2)
            // A short session: a commit under way when the broker goes waits for the coordinator until it times out.
            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster!, extra: "log_level: info", kafkaExtra: "  properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}")
            defer { try? FileManager.default.removeItem(at: directory) }
            do {
                let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster!.bootstrapServers))
                var traffic = DemoTraffic(seed: 23, driftAfter: .max)
                try AgentHarness.produce(0..<600, of: &traffic, partitions: 2, producer: producer)
            }
            let (agent, _) = try await AgentProcess.run(configuration: configuration)
            let closed = try await agent.waitForLine(containing: "window closed")
            try #require(closed != nil, "no window closed: \(agent.log.suffix(5))")
            // The broker goes away (its listener closes): librdkafka reports all brokers down, and
            // the consumer asks every second whether they are back. Before librdkafka 2.3.0 a
            // ListOffsets request there waited for them without end, the stop flag unseen.
            cluster = nil
            let unreachable = try await agent.waitForLine(containing: "kafka unreachable", timeout: .seconds(60))
            try #require(unreachable != nil, "the outage went unnoticed: \(agent.log.filter { !$0.contains("Connect to") }.suffix(8))")
            if sessionLost {
                // Once the session has timed out (6 s), leaving the group may wait for a coordinator
                // that does not come: librdkafka's own close could wait without end
                // (`MockClusterBehaviourTests.coordinatorGone`).
                let lost = try await agent.waitForLine(containing: "partitions lost", timeout: .seconds(60))
                try #require(lost != nil, "the session did not end: \(agent.log.filter { !$0.contains("Connect to") }.suffix(8))")
            }
            try await Task.sleep(for: .seconds(3))
            let took = try await agent.signalAndWait(SIGTERM, timeout: .seconds(90))
            #expect(!agent.isRunning)
            #expect(took < .seconds(20), "SIGTERM took \(took) to end the agent")
            #expect(agent.log.contains { $0.contains("pipeline stopped") }, "\(agent.log.suffix(8))")
        }
    }
}

extension AgentOnKafka {
    /// What `driftwatch run` does with a configuration it cannot start with.
    @Suite("Refused configurations")
    struct RefusedConfigurationTests {
        @Test(
            "A configuration run cannot use, or that librdkafka refuses: one line on standard error, exit status 2",
            arguments: [
                ("kafka: {topics: [\"\"]}\n", "Error: kafka.topics: a topic name is empty"),
                ("log_level: loud\n", "Error: "),
                ("kafka: {properties: {bogus.prop: \"1\"}}\n", "Error: creating the consumer: invalid property bogus.prop=1"),
            ])
        func refused(yaml: String, line: String) async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-refused-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let reference = directory.appendingPathComponent("reference.json")
            try JSONEncoder().encode(DemoTraffic.reference(records: 2_000)).write(to: reference)
            let configuration = directory.appendingPathComponent("agent.yaml")
            try (yaml + "http_port: 0\nmodels: [{name: \(DemoTraffic.model), reference: \(reference.path)}]\n")
                .write(to: configuration, atomically: true, encoding: .utf8)
            let agent = try AgentProcess(arguments: ["run", "--config", configuration.path])
            try await agent.waitForExit(timeout: .seconds(60))
            #expect(!agent.isRunning)
            #expect(agent.exitStatus == 2, "\(agent.log.suffix(3))")
            let errors = agent.log.filter { $0.hasPrefix("Error:") }
            #expect(errors.count == 1 && errors[0].hasPrefix(line), "\(agent.log.suffix(3))")
        }
    }
}
