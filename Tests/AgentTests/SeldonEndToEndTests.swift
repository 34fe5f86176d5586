import Agent
import DriftMonitor
import Foundation
import Ingest
import KafkaIO
import Logging
import Testing
import TestSupport

extension AgentOnKafka {
    /// Seldon Core v2 traffic made by Seldon's own message definitions and Confluent's clients
    /// (Tests/Scripts/seldon_traffic.py says what it mirrors of Seldon's gateways), through the agent.
    @Suite("Seldon Core v2 traffic as Seldon writes it")
    struct SeldonEndToEndTests {
        let logger: Logger = {
            var logger = Logger(label: "seldon-e2e")
            logger.logLevel = .warning
            return logger
        }()

        @Test("Schema-registry frames, a dotted prefix, model and pipeline topics, both key forms, copied headers: every row monitored, every answered request joined, errors counted, nothing dead-lettered")
        func seldonAsWritten() async throws {
            let (prefix, namespace, model) = ("team.seldon", "prod", DemoTraffic.model)
            let topics = ["model", "pipeline"].flatMap { kind in
                ["inputs", "outputs"].map { "\(prefix).\(namespace).\(kind).\(model).\($0)" }
            } + ["\(prefix).\(namespace).errors.errors"]
            let cluster = try AgentHarness.cluster(logTopics: topics, partitions: 2)
            let inferences = 600
            let summary = try AgentHarness.writeTraffic(
                "seldon_traffic.py", [cluster.bootstrapServers, prefix, namespace, model, "\(inferences)"])
            let (rows, errors) = (try #require(summary["rows"] as? Int), try #require(summary["errors"] as? Int))
            #expect(rows == 1_200 && errors == 12 && summary["framed"] as? Int == 300)

            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster, topics: topics, windowRecords: 100, extra: "join_timeout_ms: 1000\n" + AgentHarness.demoTensorsLine, kafkaExtra: "  format: seldon")
            defer { try? FileManager.default.removeItem(at: directory) }
            let (agent, port) = try await AgentProcess.run(configuration: configuration)
            let metrics = try await AgentHarness.scrape(port: port) {
                $0.contains("driftwatch_inference_joins_total{outcome=\"request_only\"} \(errors)")
                    && $0.contains("driftwatch_windows_closed_total{model=\"\(model)\"} \(rows / 100)")
            }
            agent.kill(SIGTERM)
            #expect(agent.exitStatus == 0, "\(agent.log.suffix(5))")

            #expect(metrics.contains("driftwatch_inference_joins_total{outcome=\"joined\"} \(inferences - errors)"))
            #expect(!metrics.contains("outcome=\"response_only\""))
            #expect(metrics.contains("driftwatch_records_total{model=\"\(model)\"} \(rows)"))
            #expect(metrics.contains("driftwatch_inference_errors_total{model=\"\(model)\"} \(errors)"))
            #expect(metrics.contains("driftwatch_dead_letter_records_total{model=\"\(model)\"} 0"))
            // Every feature came from the requests' tensors.
            #expect(Exposition.sample("driftwatch_absent_features{model=\"\(model)\"}", in: metrics) == 0)
            #expect(try AgentHarness.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers, logger: logger).isEmpty)
        }
    }
}
