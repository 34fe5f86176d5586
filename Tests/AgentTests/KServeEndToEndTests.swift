import Agent
import DriftKernels
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

        @Test("Predictions from the response's predict tensor, labels by request id and row: every row joined, and the window's metrics are scikit-learn's")
        func kservePerformance() async throws {
            let cluster = try AgentHarness.cluster(partitions: 2)
            try cluster.createTopic("labels", partitions: 1)
            let inferences = 300
            let summary = try AgentHarness.writeTraffic(
                "kserve_traffic.py", [cluster.bootstrapServers, "logs", DemoTraffic.model, "\(inferences)", "labels"])
            let rows = try #require(summary["rows"] as? Int)
            let sklearn = try #require(summary["sklearn"] as? [String: Double])

            let (directory, configuration, referencePath) = try AgentHarness.processSetup(
                cluster, windowRecords: 100, extra: AgentHarness.demoTensorsLine, kafkaExtra: "  format: kserve",
                modelExtra: """
                    task: binary
                    prediction_field: predict
                    labels: {topic: labels, window: 1m, max_delay: 10m}
                """)
            defer { try? FileManager.default.removeItem(at: directory) }
            // The labelled reference: the demo's records with a calibrated score and its label.
            var traffic = DemoTraffic(driftAfter: .max)
            var rng = SeededGenerator(seed: 3)
            var lines = ""
            for i in 0..<5_000 {
                var record = try #require(try JSONSerialization.jsonObject(with: Data(traffic.next(timestampMilliseconds: Int64(i)))) as? [String: Any])
                let score = Double.random(in: 0..<1, using: &rng)
                record["predict"] = score
                record["label"] = Double.random(in: 0..<1, using: &rng) < score ? 1 : 0
                lines += String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self) + "\n"
            }
            let labelled = directory.appendingPathComponent("reference.jsonl")
            try Data(lines.utf8).write(to: labelled)
            let yaml = try String(contentsOfFile: configuration, encoding: .utf8).replacingOccurrences(of: referencePath.path, with: labelled.path)
            try yaml.write(toFile: configuration, atomically: true, encoding: .utf8)

            let (agent, port) = try await AgentProcess.run(configuration: configuration)
            let model = DemoTraffic.model
            let metrics = try await AgentHarness.scrape(port: port) {
                // NaN until the window is judged.
                Exposition.sample("driftwatch_model_performance{model=\"\(model)\",metric=\"accuracy\"}", in: $0).map { !$0.isNaN } ?? false
            }
            agent.kill(SIGTERM)
            #expect(Exposition.sample("driftwatch_label_joins_total{model=\"\(model)\",outcome=\"joined\"}", in: metrics) == Double(rows))
            #expect(Exposition.sample("driftwatch_label_joins_total{model=\"\(model)\",outcome=\"unmatched\"}", in: metrics) == 0)
            for (metric, tolerance) in [("accuracy", 1e-12), ("f1", 1e-12), ("log_loss", 1e-9), ("roc_auc", 1e-3)] {
                let value = try #require(Exposition.sample("driftwatch_model_performance{model=\"\(model)\",metric=\"\(metric)\"}", in: metrics))
                let expected = try #require(sklearn[metric])
                #expect(abs(value - expected) <= tolerance, "\(metric): \(value) against scikit-learn's \(expected)")
            }
            #expect(try AgentHarness.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers, logger: logger).isEmpty)
        }
    }
}
