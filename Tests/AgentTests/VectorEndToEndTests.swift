import Agent
import DriftMonitor
import Foundation
import Ingest
import KafkaIO
import Logging
import Testing
import TestSupport

extension AgentOnKafka {
    /// Embeddings as a language model's KServe logger writes them: Open Inference Protocol
    /// tensors of shape [batch, 384] made by kserve's own encoders
    /// (Tests/Scripts/embedding_traffic.py), through the agent as one vector feature.
    @Suite("Vector features end to end: KServe embedding tensors")
    struct VectorEndToEndTests {
        let logger: Logger = {
            var logger = Logger(label: "vector-e2e")
            logger.logLevel = .warning
            return logger
        }()

        static let model = "sentence-encoder"

        @Test("200 clean windows of 384-dimensional embeddings raise nothing; a topic-mix shift in a 12-dimensional subspace raises one retraining event naming the vector feature, with one small set of series for it")
        func embeddingShift() async throws {
            // The mock broker keeps 5 MB per partition: 16 partitions hold the clean half at once.
            let cluster = try AgentHarness.cluster(partitions: 16)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-vectors-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let records = directory.appendingPathComponent("reference.jsonl").path
            // Python and a debug-built profile block for seconds: off the cooperative pool.
            let (profile, skipped) = try await withTaskExecutorPreference(ThreadExecutor.blocking) {
                _ = try ChildProcess.script("embedding_traffic.py", ["reference", records, "3000", "shifted"])
                let (profile, skipped) = try JSONLinesFile(path: records).profile(model: Self.model)
                return (profile, skipped.count)
            }
            #expect(skipped == 0 && profile.feature(named: "embedding")?.vector?.dimension == 384)
            let reference = directory.appendingPathComponent("reference.json")
            try JSONEncoder().encode(profile).write(to: reference)
            let configuration = directory.appendingPathComponent("agent.yaml").path
            try """
            kafka:
              bootstrap: "\(cluster.bootstrapServers)"
              topics: ["logs"]
              events_topic: events
              dlq_topic: dlq
              format: kserve
            http_port: 0
            window_records: 100
            models:
              - name: \(Self.model)
                reference: \(reference.path)
            """.write(toFile: configuration, atomically: true, encoding: .utf8)

            let bootstrap = cluster.bootstrapServers
            func produce(rows: Int, shiftFrom: Int, seed: Int) async throws -> [String: Any] {
                try await withTaskExecutorPreference(ThreadExecutor.blocking) {
                    try ChildProcess.script("embedding_traffic.py", ["kserve", bootstrap, "logs", Self.model, "\(rows)", "\(shiftFrom)", "\(seed)"])
                }
            }
            let clean = try await produce(rows: 20_000, shiftFrom: 20_000, seed: 1)
            #expect(clean["rows"] as? Int == 20_000)
            let (agent, port) = try await AgentProcess.run(configuration: configuration)
            let windows = "driftwatch_windows_closed_total{model=\"\(Self.model)\"}"
            let cleanMetrics = try await AgentHarness.scrape(port: port, for: .seconds(300)) {
                Exposition.sample(windows, in: $0) == 200
            }
            #expect(Exposition.sample(windows, in: cleanMetrics) == 200)
            let quiet = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            #expect(quiet.isEmpty, "clean windows raised \(quiet.count) events")

            let shifted = try await produce(rows: 2_000, shiftFrom: 0, seed: 2)
            #expect(shifted["rows"] as? Int == 2_000)
            let metrics = try await AgentHarness.scrape(port: port, for: .seconds(300)) {
                Exposition.sample(windows, in: $0) == 220
            }
            // The status page draws the vector on the reference's first two principal axes.
            let page = try await LocalHTTP.get(port: port, "/").body
            // It shows the last window's level, the one that window's MMD² and threshold in the
            // metrics give. (The series once showed the numeric feature's PSI and threshold: they
            // were paired with the report's features by position.)
            let label = "model=\"\(Self.model)\",feature=\"embedding\""
            let lastScore = try #require(Exposition.sample("driftwatch_feature_drift_score{\(label),method=\"mmd\"}", in: metrics))
            let lastThreshold = try #require(Exposition.sample("driftwatch_feature_drift_threshold{\(label),method=\"mmd\"}", in: metrics))
            #expect(lastScore > 0 && lastThreshold > 0 && lastThreshold < 0.01, "MMD² \(lastScore), threshold \(lastThreshold)")
            let level = ["ok", "warning", "drift"].first { page.contains("data-feature=\"embedding\" data-level=\"\($0)\"") }
            #expect((level == "drift") == (lastScore > lastThreshold), "level \(level ?? "none"), MMD² \(lastScore), threshold \(lastThreshold)")
            let projection = try #require(page.components(separatedBy: "<svg class=\"projection\"").dropFirst().first)
            let svg = projection.components(separatedBy: "</svg>")[0]
            #expect(svg.components(separatedBy: "class=\"reference\"").count - 1 == 200)
            #expect(svg.components(separatedBy: "class=\"current\"").count - 1 == 100)
            #expect(svg.contains("class=\"mean\""))
            agent.kill(SIGTERM)
            #expect(agent.exitStatus == 0, "\(agent.log.suffix(5))")

            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let retraining = try events.filter { try AgentHarness.type(of: $0.value) == "dev.driftwatch.retraining.requested" }
            #expect(retraining.count == 1, "\(events.count) events")
            let event = try #require(retraining.first)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.value)) as? [String: Any])
            let data = try #require(object["data"] as? [String: Any])
            let features = try #require(data["features"] as? [[String: Any]])
            #expect(features.compactMap { $0["name"] as? String } == ["embedding"])
            let evidence = try #require(features.first)
            #expect(evidence["method"] as? String == "mmd")
            let score = try #require(evidence["score"] as? Double)
            let threshold = try #require(evidence["threshold"] as? Double)
            #expect(score > threshold && threshold > 0)

            // One small set of series for the vector: its four scores, its threshold, its quality; no coordinate's.
            for method in ["mmd", "mean_distance", "mean_cosine_distance", "pca_reconstruction"] {
                #expect(Exposition.sample("driftwatch_feature_drift_score{\(label),method=\"\(method)\"}", in: metrics) != nil, "\(method)")
            }
            #expect(Exposition.sample("driftwatch_feature_drift_threshold{\(label),method=\"mmd\"}", in: metrics).map { $0 > 0 } == true)
            #expect(Exposition.sample("driftwatch_feature_missing_ratio{\(label)}", in: metrics) == 0)
            #expect(Exposition.sample("driftwatch_feature_type_mismatch_ratio{\(label)}", in: metrics) == 0)
            #expect(!metrics.contains("driftwatch_feature_mean{\(label)}") && !metrics.contains("feature=\"embedding_0\""))
            let series = metrics.split(separator: "\n").filter { $0.contains("feature=\"embedding\"") && !$0.hasPrefix("#") }
            #expect(series.count == 9, "\(series)")
            #expect(metrics.contains("driftwatch_dead_letter_records_total{model=\"\(Self.model)\"} 0"))
            #expect(metrics.contains("driftwatch_records_total{model=\"\(Self.model)\"} 22000"))
        }
    }
}
