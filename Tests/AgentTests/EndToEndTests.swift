import Agent
import DriftMonitor
import Foundation
import Ingest
import KafkaIO
import Logging
import ServiceLifecycle
import Synchronization
import Telemetry
import Testing
import TestSupport

extension AgentOnKafka {
    /// The agent against librdkafka's mock cluster over TCP: real consumer group, real
    /// producer acknowledgements, real HTTP scrape.
    @Suite("Agent end to end on the mock cluster", .serialized)
    struct EndToEndTests {
        let logger: Logger = {
            var logger = Logger(label: "e2e")
            logger.logLevel = .warning
            return logger
        }()

        @Test(
            "Drifted features raise one retraining event naming exactly them; offsets cover closed windows only",
            arguments: [RecordDecoder.Format.json, .protobuf])
        func driftDetectedEndToEnd(format: RecordDecoder.Format) async throws {
            let cluster = try AgentHarness.cluster(partitions: 3)

            // 3 malformed records first, then 10,000 clean and 11,000 drifted records.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var tickets: [KafkaProducer.Ticket] = []
            let malformed: [[UInt8]?]
            let malformedReasons: [String]
            switch format {
            case .json:
                malformed = [Array("{\"features\":{\"x\":".utf8), Array("[1,2,3]".utf8), nil]
                malformedReasons = ["empty_value", "malformed_json", "not_an_object"]
            case .protobuf:
                // A feature entry longer than the message, the model as a varint, a tombstone.
                malformed = [[0x2A, 0x7F, 0x0A], [0x08, 0x01], nil]
                malformedReasons = ["empty_value", "malformed_protobuf", "malformed_protobuf"]
            case .kserve, .seldon, .auto:
                Issue.record("inference formats have their own test")
                return
            }
            for value in malformed {
                tickets.append(try producer.send(topic: "logs", key: Array("bad".utf8), value: value, partition: 0))
            }
            var traffic = DemoTraffic(seed: 1, driftAfter: 10_000, format: format)
            func produce(_ range: Range<Int>) throws {
                for i in range {
                    tickets.append(
                        try producer.send(
                            topic: "logs", key: nil, value: traffic.next(timestampMilliseconds: 1_764_000_000_000 + Int64(i)), partition: Int32(i % 3)))
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            }
            try produce(0..<10_000)

            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 2_500)
            configuration.kafka.topicFormats = ["logs": format]
            let agent = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)
            let reference = agent.reference

            // The drifted records come once the clean ones filled 4 windows: read from three
            // partitions at once, a window would otherwise take records of both kinds when one
            // partition is read ahead, and name fewer drifted features (CI saw one name only device_type).
            try await AgentHarness.wait(for: .seconds(60)) { agent.windows.count >= 4 }
            try produce(10_000..<21_000)
            // Wait for the 8 full windows (21,000 valid records / 2,500).
            try await AgentHarness.wait(for: .seconds(60)) { agent.windows.count >= 8 }
            let metrics = try await agent.get("/metrics").body
            try await agent.stop()

            let windows = agent.windows.all
            #expect(windows.count == 8)
            let closedRecords = windows.map(\.report.records).reduce(0, +)
            #expect(closedRecords == 20_000)

            // The metrics the scrape returned for the drifted features.
            for feature in DemoTraffic.driftingFeatures {
                let value = try #require(
                    Exposition.sample(
                        "driftwatch_feature_drift_score{model=\"\(DemoTraffic.model)\",feature=\"\(feature)\",method=\"psi\"}", in: metrics))
                #expect(value >= 0.25, "\(feature): psi \(value)")
            }
            #expect(metrics.contains("driftwatch_dead_letter_records_total{model=\"\(DemoTraffic.model)\"} 3"))

            // The PCA baseline's series carry the last window's reconstruction error and band.
            let multivariate = try #require(windows.last?.report.multivariate)
            func gauge(_ name: String) -> Double? {
                Exposition.sample("driftwatch_\(name){model=\"\(DemoTraffic.model)\"}", in: metrics)
            }
            #expect(gauge("multivariate_reconstruction_error") == multivariate.reconstructionError)
            #expect(gauge("multivariate_reconstruction_error_upper_threshold") == multivariate.upperThreshold)
            #expect(gauge("multivariate_drifted") == (multivariate.drifted ? 1 : 0))

            // Exactly one retraining event, keyed by model, naming exactly the drifted features.
            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let retraining = try events.filter { try AgentHarness.type(of: $0.value) == "dev.driftwatch.retraining.requested" }
            #expect(retraining.count == 1)
            let event = try #require(retraining.first)
            #expect(event.key == DemoTraffic.model)
            #expect(event.headers["content-type"] == "application/cloudevents+json; charset=UTF-8")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.value)) as? [String: Any])
            #expect(object["specversion"] as? String == "1.0")
            let data = try #require(object["data"] as? [String: Any])
            let features = try #require(data["features"] as? [[String: Any]])
            #expect(Set(features.compactMap { $0["name"] as? String }) == Set(DemoTraffic.driftingFeatures))
            #expect(data["reference_version"] as? String == reference.version)

            // Every malformed record is in the dead-letter topic with its reason.
            let deadLetters = try AgentHarness.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers, logger: logger)
            #expect(deadLetters.map { $0.headers["driftwatch.error.reason"] ?? "" }.sorted() == malformedReasons)

            // Committed offsets = records in closed windows + the dead-lettered records before them.
            let committed = try AgentHarness.committed(cluster, partitions: 3, logger: logger)
            #expect(committed.reduce(0, +) == Int64(closedRecords + 3))
        }

        @Test(
            "KServe CloudEvents and Seldon topics: requests joined with responses, drift found, bad messages dead-lettered one for one",
            arguments: [RecordDecoder.Format.kserve, .seldon])
        func inferenceExchangesEndToEnd(format: RecordDecoder.Format) async throws {
            let topics = format == .seldon ? [DemoTraffic.seldonInputs, DemoTraffic.seldonOutputs] : ["logs"]
            // Twelve partitions: the mock broker keeps 5 MB per partition, and CloudEvents are large.
            let cluster = try AgentHarness.cluster(logTopics: topics, partitions: 12)

            // 14,000 inferences, one in 500 a single malformed message; drift after 6,000. A
            // backlog is read partition by partition, so count windows would mix times: the
            // drifted half is produced only once the agent has joined the clean half.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 5, driftAfter: 6_000, malformedEvery: 500, format: format)
            var messages = 0
            func produce(_ range: Range<Int>) throws {
                var tickets: [KafkaProducer.Ticket] = []
                for i in range {
                    for message in traffic.nextMessages(timestampMilliseconds: 1_764_000_000_000 + Int64(i)) {
                        tickets.append(
                            try producer.send(topic: message.topic ?? "logs", key: message.key, value: message.value, headers: message.headers))
                        messages += 1
                    }
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            }
            try produce(0..<6_000)

            var configuration = AgentHarness.configuration(cluster, topics: topics, windowRecords: 2_000)
            configuration.kafka.format = format
            configuration.tensors = DemoTraffic.tensors
            let agent = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)

            let clean = 6_000 - 12
            _ = try await agent.scrape { $0.contains("driftwatch_inference_joins_total{outcome=\"joined\"} \(clean)") }
            try produce(6_000..<14_000)
            let inferences = 14_000 - 28
            #expect(messages == 2 * inferences + 28)

            // Every inference joined: 13,972 rows, 6 full windows of 2,000.
            let metrics = try await agent.scrape {
                $0.contains("driftwatch_inference_joins_total{outcome=\"joined\"} \(inferences)") && agent.windows.count >= 6
            }
            try await agent.stop()

            #expect(metrics.contains("driftwatch_inference_joins_total{outcome=\"joined\"} \(inferences)"))
            #expect(!metrics.contains("outcome=\"request_only\"") && !metrics.contains("outcome=\"response_only\""))
            let windows = agent.windows.all
            #expect(windows.count == 6)
            #expect(windows.map(\.report.records).reduce(0, +) == 12_000)
            #expect(metrics.contains("driftwatch_dead_letter_records_total{model=\"\(DemoTraffic.model)\"} 28"))

            // Drift is found in exactly the drifting features, from rows built out of tensors.
            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let retraining = try events.filter { try AgentHarness.type(of: $0.value) == "dev.driftwatch.retraining.requested" }
            #expect(retraining.count == 1)
            let event = try #require(retraining.first)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.value)) as? [String: Any])
            let data = try #require(object["data"] as? [String: Any])
            let features = try #require(data["features"] as? [[String: Any]])
            #expect(Set(features.compactMap { $0["name"] as? String }) == Set(DemoTraffic.driftingFeatures))
            // Windows before the drift are clean (partitions are read unevenly, so the third may hold drifted rows).
            #expect(windows.prefix(2).allSatisfy { $0.report.driftedFeatures.isEmpty })

            // One dead letter per malformed message, reasons alternating, the source named in headers.
            let deadLetters = try AgentHarness.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers, logger: logger)
            let reasons = DemoTraffic.malformedReasons(format).map(\.rawValue)
            #expect(deadLetters.count == 28)
            #expect(deadLetters.filter { $0.headers["driftwatch.error.reason"] == reasons[0] }.count == 14)
            #expect(deadLetters.filter { $0.headers["driftwatch.error.reason"] == reasons[1] }.count == 14)
            #expect(deadLetters.allSatisfy { topics.contains($0.headers["driftwatch.source.topic"] ?? "") })
            #expect(deadLetters.allSatisfy { $0.headers["driftwatch.source.offset"].flatMap(Int64.init) != nil })
        }
    }
}
