import Agent
import DriftMonitor
import Foundation
import Ingest
import KafkaIO
import Logging
import Testing
import TestSupport

extension AgentOnKafka {
    /// config/argo/sensor.yaml on the agent's real events, through Go's text/template and
    /// regexp as argo-events evaluates a Sensor (Tests/Scripts/argo_sensor.go names the source
    /// it mirrors).
    @Suite("Argo Events Sensor on the agent's events")
    struct ArgoSensorTests {
        let logger: Logger = {
            var logger = Logger(label: "argo-sensor")
            logger.logLevel = .warning
            return logger
        }()

        struct Outcome: Decodable {
            var passes: Bool
            var parameters: [String?]
            var errors: [String]
        }

        /// Each event's filter verdict and workflow parameters.
        static func evaluate(_ events: [[UInt8]]) throws -> [Outcome] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-argo-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let sensor = directory.appendingPathComponent("sensor.json")
            let converted = try ChildProcess.run([
                "python3", "-c", "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], 'w'))",
                Repository.root.appendingPathComponent("config/argo/sensor.yaml").path, sensor.path,
            ])
            try #require(converted.status == 0, "\(converted.errors)")
            let messages = directory.appendingPathComponent("events.json")
            try Data(("[" + events.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "]").utf8).write(to: messages)
            // Go's caches under the temporary directory: CI may run without a HOME.
            let cache = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-go").path
            let result = try ChildProcess.run([
                "GOCACHE=\(cache)/build", "GOPATH=\(cache)/path", "go", "run",
                Repository.root.appendingPathComponent("Tests/Scripts/argo_sensor.go").path, sensor.path, messages.path,
            ])
            try #require(result.status == 0, "\(result.errors)")
            return try result.text.split(separator: "\n").map { try JSONDecoder().decode(Outcome.self, from: Data($0.utf8)) }
        }

        /// The event with its `data.features` and `type` replaced.
        static func variant(
            of event: [UInt8], type: String? = nil, modelVersion: [String: String]? = nil, features: (([[String: Any]]) -> [[String: Any]])? = nil
        ) throws -> [UInt8] {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(event)) as? [String: Any])
            if let type { object["type"] = type }
            if let modelVersion {
                var data = try #require(object["data"] as? [String: Any])
                data["model_version"] = modelVersion
                object["data"] = data
            }
            if let features {
                var data = try #require(object["data"] as? [String: Any])
                data["features"] = features(try #require(data["features"] as? [[String: Any]]))
                object["data"] = data
            }
            return Array(try JSONSerialization.data(withJSONObject: object))
        }

        @Test("Submits one workflow per retraining event, with the named features only; other types and look-alikes filtered out")
        func sensorOnRealEvents() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 3, driftAfter: .max, format: .json)
            var defects = DataQualityEndToEndTests.Defects()
            let window = DataQualityEndToEndTests.window
            var policy = DriftPolicy()
            policy.consecutiveWindows = 1
            policy.quality[.duplicateRatio] = 0.01
            policy.quality[.unknownFieldRatio] = 0.2
            policy.quality[.nonFiniteRatio] = 0.05
            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: window)
            configuration.models[0].policy = policy
            let agent = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)
            // A clean window, a defective one (model-wide and per-feature quality breaches), two
            // clean; in two halves, as the mock broker keeps about 5 MB of a partition's log.
            for half in [0..<2 * window, 2 * window..<4 * window] {
                let tickets = try half.map { i in
                    try producer.send(
                        topic: "logs", key: nil,
                        value: DataQualityEndToEndTests.record(i, traffic: &traffic, format: .json, defects: &defects), partition: 0)
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
                try await AgentHarness.wait(for: .seconds(60)) { agent.windows.count >= half.upperBound / window }
            }
            try await agent.stop()
            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger).map(\.value)
            let types = try events.map { try AgentHarness.type(of: $0) }
            try #require(types == ["dev.driftwatch.drift.detected", "dev.driftwatch.retraining.requested", "dev.driftwatch.drift.resolved"])
            let retraining = events[1]
            let object = try #require(try JSONSerialization.jsonObject(with: Data(retraining)) as? [String: Any])
            let data = try #require(object["data"] as? [String: Any])
            let evidence = try #require(data["features"] as? [[String: Any]])
            let named = evidence.compactMap { $0["name"] as? String }
            try #require(evidence.contains { $0["name"] is NSNull } && !named.isEmpty, "\(evidence)")

            let modelWideOnly = try Self.variant(of: retraining) { $0.filter { $0["name"] is NSNull } }
            let lookAlikes = try ["dev.driftwatch.retraining.requested.dryrun", "devXdriftwatchXretrainingXrequested"].map {
                try Self.variant(of: retraining, type: $0)
            }
            // As an agent with its reference from MLflow writes it (data.model_version).
            let registered = try Self.variant(of: retraining, modelVersion: ["name": DemoTraffic.model, "version": "7"])
            let outcomes = try Self.evaluate(events + [modelWideOnly] + lookAlikes + [registered])
            try #require(outcomes.count == 7)
            #expect(outcomes.map(\.passes) == [false, true, false, true, false, false, true])
            #expect(outcomes[6].parameters[4] == "7", "the version from the event")
            let submitted = outcomes[1]
            #expect(
                submitted.parameters == [
                    DemoTraffic.model, data["reference_version"] as? String, named.joined(separator: ","), object["id"] as? String, "none",
                ])
            #expect(submitted.errors.isEmpty, "\(submitted.errors)")
            #expect(!(submitted.parameters[2] ?? "").contains("<no value>"))
            // Nothing but model-wide evidence: the template renders nothing, and `value` gives "".
            #expect(outcomes[3].parameters[2] == "")
        }
    }
}
