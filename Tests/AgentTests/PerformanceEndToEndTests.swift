import DriftKernels
import Foundation
import Ingest
import KafkaIO
import Logging
import TestSupport
import Testing

extension AgentOnKafka {
    /// The `driftwatch` process joining predictions with labels that come on their own topic
    /// windows later, on the mock cluster.
    @Suite("Model performance from delayed labels")
    struct PerformanceEndToEndTests {
        static let model = "fraud-detector"
        /// Performance windows of 2 s of prediction time; one prediction per millisecond.
        static let windowMilliseconds = 2_000
        static let base: Int64 = 1_764_000_000_000
        /// Windows 0-2 are good; from window 3 on, the labels no longer follow the scores.
        static let degradedFrom = 3 * windowMilliseconds
        static let predictions = 6 * windowMilliseconds

        /// Inputs and a calibrated score: the inputs and scores never change, only whether the
        /// labels agree with the scores.
        struct Record {
            var x1: Double
            var x2: Double
            var score: Double
            var label: Int
        }

        static func records(_ count: Int, seed: UInt64, degradedFrom: Int = .max) -> [Record] {
            var rng = SeededGenerator(seed: seed)
            return (0..<count).map { i in
                let x1 = rng.normal()
                let x2 = rng.normal(mean: 5, standardDeviation: 2)
                let score = 1 / (1 + exp(-(1.5 * x1 + 0.3 * (x2 - 5))))
                let u = Double.random(in: 0..<1, using: &rng)
                return Record(x1: x1, x2: x2, score: score, label: (i >= degradedFrom ? u < 0.45 : u < score) ? 1 : 0)
            }
        }

        static func json(_ object: [String: Any]) throws -> [UInt8] {
            Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }

        /// A prediction as the model logs it: JSON, or an InferenceLog with the score in its predictions.
        static func prediction(_ id: String, time: Int64, x1: Double, x2: Double, score: Double, format: RecordDecoder.Format) throws -> [UInt8] {
            guard format == .protobuf else {
                return try json([
                    "model": model, "request_id": id, "timestamp": time, "features": ["x1": x1, "x2": x2], "prediction": score,
                ])
            }
            return InferenceLogEncoder.encode(
                model: model, requestID: id, eventTimeMilliseconds: time, features: [("x1", .number(x1)), ("x2", .number(x2))],
                predictions: [("prediction", .number(score))])
        }

        /// A labels-topic message: JSON, or an InferenceLog with its request id and label (either may be left out).
        static func label(_ id: String?, _ label: Int?, format: RecordDecoder.Format) throws -> [UInt8] {
            guard format == .protobuf else {
                var object: [String: Any] = [:]
                if let id { object["request_id"] = id }
                if let label { object["label"] = label }
                return try json(object)
            }
            return InferenceLogEncoder.encode(model: "", requestID: id ?? "", features: [], label: label.map { .flag($0 == 1) })
        }

        @Test(
            "Labels windows late: exactly one performance.degraded and one retraining.requested naming the metric; a SIGKILL while predictions wait loses no join and joins nothing twice",
            arguments: [RecordDecoder.Format.json, .protobuf])
        func delayedLabels(format: RecordDecoder.Format) async throws {
            var logger = Logger(label: "performance")
            logger.logLevel = .warning
            let cluster = try AgentHarness.cluster(partitions: 1)
            try cluster.createTopic("labels", partitions: 1)
            let reference = Self.records(20_000, seed: 1)
            let (directory, configuration, referencePath) = try AgentHarness.processSetup(
                cluster, windowRecords: 500, extra: "log_level: debug",
                // A killed member leaves the group when its session times out.
                kafkaExtra: """
                      properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}
                      format: \(format.rawValue)
                    """,
                modelExtra: """
                    task: binary
                    labels: {topic: labels, max_delay: 10m, window: 2s, format: \(format.rawValue)}
                """)
            defer { try? FileManager.default.removeItem(at: directory) }
            // The labelled reference: records as the model logs them, with their label.
            let labelled = directory.appendingPathComponent("reference.jsonl")
            var lines = ""
            for (i, record) in reference.enumerated() {
                let line = try Self.json([
                    "model": Self.model, "request_id": "ref-\(i)", "features": ["x1": record.x1, "x2": record.x2],
                    "prediction": record.score, "label": record.label,
                ])
                lines += String(decoding: line, as: UTF8.self) + "\n"
            }
            try Data(lines.utf8).write(to: labelled)
            let yaml = try String(contentsOfFile: configuration, encoding: .utf8).replacingOccurrences(of: referencePath.path, with: labelled.path)
            try yaml.write(toFile: configuration, atomically: true, encoding: .utf8)

            // The predictions, then one far later that closes the last performance window.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            let stream = Self.records(Self.predictions, seed: 2, degradedFrom: Self.degradedFrom)
            var tickets = try stream.enumerated().map { i, record in
                try producer.send(
                    topic: "logs", key: nil,
                    value: Self.prediction("req-\(i)", time: Self.base + Int64(i), x1: record.x1, x2: record.x2, score: record.score, format: format),
                    partition: 0)
            }
            tickets.append(
                try producer.send(
                    topic: "logs", key: nil, value: Self.prediction("tick", time: Self.base + 20_000, x1: 0, x2: 5, score: 0.5, format: format),
                    partition: 0))
            try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            func sendLabels(_ range: Range<Int>) throws {
                let tickets = try range.map { i in
                    try producer.send(topic: "labels", key: nil, value: Self.label("req-\(i)", stream[i].label, format: format), partition: 0)
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            }

            // Run 1: every prediction waits; the labels of windows 0-2 come and judge them.
            let (first, firstPort) = try await AgentProcess.run(configuration: configuration)
            try await eventually("run 1 read every prediction") {
                let metrics = try await LocalHTTP.get(port: firstPort, "/metrics").body
                return Exposition.sample("driftwatch_label_waiting_predictions{model=\"\(Self.model)\"}", in: metrics) == Double(Self.predictions + 1)
            }
            try sendLabels(0..<Self.degradedFrom)
            try await eventually("run 1 judged windows 0-2") { first.log.filter { $0.contains("performance window judged") }.count == 3 }
            // The labels of windows 0-2 committed, and the logs' commit waiting at window 3's first
            // prediction, as the debug log says (reading the group's offsets would join the group).
            let committed = try await first.waitForLine(
                containing: "offsets committed", "labels[0]:\(Self.degradedFrom)", "logs[0]:\(Self.degradedFrom)")
            #expect(committed != nil, "\(first.log.filter { $0.contains("offsets committed") }.suffix(3))")
            let firstMetrics = try await LocalHTTP.get(port: firstPort, "/metrics").body
            #expect(Exposition.sample("driftwatch_label_joins_total{model=\"\(Self.model)\",outcome=\"joined\"}", in: firstMetrics) == Double(Self.degradedFrom))
            #expect(Exposition.sample("driftwatch_performance_state{model=\"\(Self.model)\"}", in: firstMetrics) == 0)
            first.kill(SIGKILL)

            // Run 2: reads windows 3-5's predictions again for the join only, then their labels come.
            let (second, secondPort) = try await AgentProcess.run(configuration: configuration)
            let restored = try await second.waitForLine(containing: "performance state restored", timeout: .seconds(30))
            #expect(restored != nil, "\(second.log.suffix(5))")
            try await eventually("run 2 read windows 3-5's predictions again") {
                let metrics = try await LocalHTTP.get(port: secondPort, "/metrics").body
                return Exposition.sample("driftwatch_label_waiting_predictions{model=\"\(Self.model)\"}", in: metrics)
                    == Double(Self.predictions - Self.degradedFrom + 1)
            }
            // Two label messages the join cannot use go to the dead-letter topic.
            let bad = try [Self.label("req-1", nil, format: format), Self.label(nil, 1, format: format)].map { value in
                try producer.send(topic: "labels", key: nil, value: value, partition: 0)
            }
            try producer.waitForDelivery(of: bad, timeoutMilliseconds: 30_000)
            try sendLabels(Self.degradedFrom..<Self.predictions)
            try await eventually("run 2 judged windows 3-5") { second.log.filter { $0.contains("performance window judged") }.count == 3 }
            let metrics = try await LocalHTTP.get(port: secondPort, "/metrics").body
            second.kill(SIGTERM)
            try await second.waitForExit()

            #expect(Exposition.sample("driftwatch_label_joins_total{model=\"\(Self.model)\",outcome=\"joined\"}", in: metrics)
                == Double(Self.predictions - Self.degradedFrom), "run 2 joined windows 3-5 only: nothing twice, nothing lost")
            #expect(Exposition.sample("driftwatch_label_joins_total{model=\"\(Self.model)\",outcome=\"expired\"}", in: metrics) == 0)
            #expect(Exposition.sample("driftwatch_performance_state{model=\"\(Self.model)\"}", in: metrics) == 2)
            #expect(Exposition.sample("driftwatch_records_total{model=\"\(Self.model)\"}", in: metrics) == 1, "only the tick counted again for drift")
            let accuracy = try #require(Exposition.sample("driftwatch_model_performance{model=\"\(Self.model)\",metric=\"accuracy\"}", in: metrics))
            let referenceAccuracy = try #require(
                Exposition.sample("driftwatch_model_performance_reference{model=\"\(Self.model)\",metric=\"accuracy\"}", in: metrics))
            #expect(accuracy < referenceAccuracy - 0.1, "accuracy \(accuracy) against the reference's \(referenceAccuracy)")

            let dead = try AgentHarness.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers, logger: logger)
            #expect(dead.map { $0.headers["driftwatch.error.reason"] } == ["missing_field", "missing_field"], "\(dead.map(\.headers))")
            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let decoded = try events.map { try #require(try JSONSerialization.jsonObject(with: Data($0.value)) as? [String: Any]) }
            let types = decoded.compactMap { $0["type"] as? String }
            #expect(types.sorted() == ["dev.driftwatch.performance.degraded", "dev.driftwatch.retraining.requested"], "\(types)")
            for event in decoded {
                let data = try #require(event["data"] as? [String: Any])
                let breaches = try #require(data["metrics"] as? [[String: Any]])
                let named = Set(breaches.compactMap { $0["metric"] as? String })
                #expect(named.contains("accuracy"), "\(named)")
                for breach in breaches {
                    let value = try #require(breach["value"] as? Double)
                    let threshold = try #require(breach["threshold"] as? Double)
                    let higherIsBetter = ["accuracy", "precision", "recall", "f1", "roc_auc", "r2"].contains(breach["metric"] as? String ?? "")
                    #expect(higherIsBetter ? value < threshold : value > threshold)
                }
            }
        }
    }
}
