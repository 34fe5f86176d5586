import Agent
import DriftMonitor
import Foundation
import Ingest
import KafkaIO
import Logging
import Testing
import TestSupport

extension AgentOnKafka {
    /// KServe inference-logger traffic made by kserve's own encoders and the CloudEvents SDK's
    /// Kafka binding (Tests/Scripts/kserve_traffic.py says what it mirrors), through the agent.
    @Suite("KServe traffic as its logger and a KafkaSink write it")
    struct KServeEndToEndTests {
        let logger: Logger = {
            var logger = Logger(label: "kserve-e2e")
            logger.logLevel = .warning
            return logger
        }()

        @Test("JSON, binary tensor data and gRPC bodies, binary and structured events, a transformer beside the predictor: every predictor row monitored and joined, the transformer kept apart, nothing dead-lettered")
        func kserveAsWritten() async throws {
            let cluster = try AgentHarness.cluster(partitions: 2)
            let inferences = 600
            let summary = try AgentHarness.writeTraffic(
                "kserve_traffic.py", [cluster.bootstrapServers, "logs", DemoTraffic.model, "\(inferences)"])
            let rows = try #require(summary["rows"] as? Int)
            let transformer = try #require(summary["transformer"] as? Int)
            #expect(rows == 1_200 && transformer == 150)
            #expect(summary["encodings"] as? [String: Int] == ["json": 200, "binary": 200, "grpc": 200])

            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster, windowRecords: 100, extra: AgentHarness.demoTensorsLine, kafkaExtra: "  format: kserve")
            defer { try? FileManager.default.removeItem(at: directory) }
            let (agent, port) = try await AgentProcess.run(configuration: configuration)
            let model = DemoTraffic.model
            let metrics = try await AgentHarness.scrape(port: port) {
                $0.contains("driftwatch_inference_joins_total{outcome=\"joined\"} \(inferences + transformer)")
                    && $0.contains("driftwatch_windows_closed_total{model=\"\(model)\"} \(rows / 100)")
            }
            agent.kill(SIGTERM)
            #expect(agent.exitStatus == 0, "\(agent.log.suffix(5))")

            #expect(!metrics.contains("outcome=\"request_only\"") && !metrics.contains("outcome=\"response_only\""))
            #expect(metrics.contains("driftwatch_records_total{model=\"\(model)\"} \(rows)"))
            // The transformer's exchanges are the model fraud-detector/transformer, which is not configured.
            #expect(Exposition.sample("driftwatch_records_unrouted_total", in: metrics) == Double(transformer))
            #expect(metrics.contains("driftwatch_dead_letter_records_total{model=\"\(model)\"} 0"))
            #expect(Exposition.sample("driftwatch_absent_features{model=\"\(model)\"}", in: metrics) == 0)
            #expect(Exposition.sample("driftwatch_duplicate_request_ratio{model=\"\(model)\"}", in: metrics) == 0)
            // The responses' `predict` tensor, outside the schema, is in every row: every row joined.
            #expect(Exposition.sample("driftwatch_unknown_field_ratio{model=\"\(model)\"}", in: metrics) == 1)
            #expect(try AgentHarness.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers, logger: logger).isEmpty)
        }
    }
}
