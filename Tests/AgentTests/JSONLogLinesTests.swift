import Agent
import Foundation
import KafkaIO
import Testing

extension AgentOnKafka {
    /// `log_format: json` holds for every line of the agent's standard error, librdkafka's own
    /// included: before, librdkafka printed its lines there in its own layout
    /// (`%4|1796631192.191|CONFWARN|rdkafka#consumer-1| ...`).
    @Suite("JSON logs: every line the agent writes is one JSON object")
    struct JSONLogLinesTests {
        @Test("librdkafka's warning comes out as a JSON line naming its facility and client, beside the agent's own lines")
        func librdkafkaLinesAreJSON() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            // The agent gives kafka.properties to its consumer and producer alike: a producer
            // property makes librdkafka warn as the consumer is created.
            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster, extra: "log_format: json", kafkaExtra: "  properties: {queue.buffering.max.ms: \"5\"}")
            defer { try? FileManager.default.removeItem(at: directory) }
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 17, driftAfter: 0)
            try AgentHarness.produce(0..<500, of: &traffic, partitions: 1, producer: producer)

            let agent = try AgentProcess(arguments: ["run", "--config", configuration])
            let closed = try await agent.waitForLine(containing: "window closed")
            agent.kill(SIGTERM)
            #expect(agent.exitStatus == 0, "\(agent.log.suffix(5))")
            #expect(closed != nil, "no window closed: \(agent.log.suffix(5))")
            let lines = agent.log.filter { !$0.isEmpty }
            let objects = lines.map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let notJSON = zip(lines, objects).filter { $0.1 == nil }.map(\.0)
            #expect(lines.count > 3 && notJSON.isEmpty, "\(notJSON.count) of \(lines.count) lines are not JSON objects: \(notJSON.prefix(3))")
            let warning = try #require(objects.compactMap { $0 }.first { $0["facility"] as? String == "CONFWARN" }, "\(lines.prefix(8))")
            #expect(warning["level"] as? String == "warning")
            #expect((warning["client"] as? String)?.hasPrefix("rdkafka#consumer-") == true)
            #expect(
                (warning["message"] as? String)?.contains("queue.buffering.max.ms is a producer property and will be ignored by this consumer instance")
                    == true)
        }
    }
}
