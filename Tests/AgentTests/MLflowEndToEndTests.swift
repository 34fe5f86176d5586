import Agent
import Foundation
import KafkaIO
import Logging
import TestSupport
import Testing

extension AgentOnKafka {
    /// The agent against a real `mlflow server` (PyPI, sqlite backend, artifacts served by
    /// the server) on loopback, the registry filled by MLflow's own client
    /// (Tests/Scripts/mlflow_registry.py), as a training pipeline would.
    @Suite("MLflow: the reference from the registered model version, the version in the events")
    struct MLflowEndToEndTests {
        let logger: Logger = {
            var logger = Logger(label: "mlflow-e2e")
            logger.logLevel = .warning
            return logger
        }()

        static let uri = "models:/\(DemoTraffic.model)@champion/reference/profile.json"

        @Test("The alias's version gives the reference and is named by the events; hook --mlflow tags it and logs one run, a replay nothing; profile --out uploads the next version's reference, and moving the alias switches to it without a restart; a registry gone down leaves the last one, counted")
        func registeredReference() async throws {
            try #require(MLflowServer.isInstalled, "make deps installs mlflow into .venv-mlflow")
            let server = try await MLflowServer()
            let cluster = try AgentHarness.cluster(partitions: 1)
            let (directory, configuration, referencePath) = try AgentHarness.processSetup(
                cluster, windowRecords: 500, extra: "reference_reload_seconds: 1")
            defer { try? FileManager.default.removeItem(at: directory) }
            let first = try server.registry(["register", DemoTraffic.model, referencePath.path, "reference/profile.json", "champion"])
            #expect(first["version"] as? String == "1")
            let yaml = try String(contentsOfFile: configuration, encoding: .utf8).replacingOccurrences(of: referencePath.path, with: Self.uri)
            try yaml.write(toFile: configuration, atomically: true, encoding: .utf8)

            let (agent, port) = try await AgentProcess.run(configuration: configuration, environment: ["MLFLOW_TRACKING_URI": server.trackingURI])
            // The pipeline's series appear once it started, after the HTTP server.
            var metrics = try await AgentHarness.scrape(port: port, for: .seconds(30)) { $0.contains("driftwatch_reference_info{") }
            #expect(
                metrics.contains("model_version=\"\(DemoTraffic.model)/1\""),
                "\(metrics.split(separator: "\n").filter { $0.contains("reference_info{") }) \(agent.log.filter { $0.contains("reference") })")
            #expect(try await LocalHTTP.get(port: port, "/").body.contains("\(DemoTraffic.model)/1"), "the status page names the version")

            // Drifted traffic: drift detected, then retraining requested, both naming version 1.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 41, driftAfter: 0)
            try AgentHarness.produce(0..<1_500, of: &traffic, partitions: 1, producer: producer)
            try await eventually("two events") {
                (try? AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger).count) ?? 0 >= 2
            }
            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger).map { message in
                try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
            }
            #expect(events.compactMap { $0["type"] as? String } == ["dev.driftwatch.drift.detected", "dev.driftwatch.retraining.requested"])
            for event in events {
                let version = (event["data"] as? [String: Any])?["model_version"] as? [String: String]
                #expect(version == ["name": DemoTraffic.model, "version": "1"], "\(event["data"] ?? "no data")")
            }

            // `driftwatch hook --mlflow` writes the retraining event onto version 1, once.
            let retraining = try #require(events.last)
            let environment = ["MLFLOW_TRACKING_URI": server.trackingURI]
            for group in ["hook", "replay"] {
                let hook = try AgentProcess(
                    arguments: [
                        "hook", "--mlflow", "--bootstrap", cluster.bootstrapServers, "--topic", "events", "--group", group, "--until-end",
                        "--http-port", "0",
                    ], environment: environment)
                try await hook.waitForExit()
                #expect(hook.exitStatus == 0, "\(hook.log.suffix(5))")
            }
            let tags = try #require(try server.registry(["version", DemoTraffic.model, "1"])["tags"] as? [String: String])
            #expect(tags["driftwatch.last_event_id"] == retraining["id"] as? String)
            let named = ((retraining["data"] as? [String: Any])?["features"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(tags["driftwatch.drifted_features"] == named.joined(separator: ",") && !named.isEmpty, "\(tags)")
            #expect(tags["driftwatch.last_drift_at"] == ((retraining["data"] as? [String: Any])?["window"] as? [String: Any])?["end"] as? String)
            let runs = try #require(try server.registry(["runs", "driftwatch-\(DemoTraffic.model)"])["runs"] as? [[String: Any]])
            #expect(runs.count == 1, "the replayed event adds no run: \(runs.count)")
            #expect((runs.first?["tags"] as? [String: String])?["driftwatch.event_id"] == retraining["id"] as? String)
            #expect(((runs.first?["metrics"] as? [String: Double]) ?? [:]).count >= named.count, "\(runs.first?["metrics"] ?? "none")")

            // Version 2: the drifted traffic's own profile, uploaded by `driftwatch profile --out
            // models:/...` to the version's run, then given the alias: the agent switches to it.
            let second = try server.registry(["register-empty", DemoTraffic.model])
            #expect(second["version"] as? String == "2")
            var records = DemoTraffic(seed: 43, driftAfter: 0)
            let lines = (0..<5_000).map { String(decoding: records.next(timestampMilliseconds: Int64($0)), as: UTF8.self) }
            let recordsPath = directory.appendingPathComponent("drifted.jsonl")
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: recordsPath)
            let upload = try AgentProcess(
                arguments: ["profile", "--input", recordsPath.path, "--out", "models:/\(DemoTraffic.model)/2/reference/profile.json", "--model", DemoTraffic.model],
                environment: environment)
            try await upload.waitForExit()
            #expect(upload.exitStatus == 0, "\(upload.log.suffix(3))")
            _ = try server.registry(["alias", DemoTraffic.model, "2", "champion"])
            let changed = try await agent.waitForLine(containing: "registered model version changed", timeout: .seconds(30))
            #expect(changed != nil, "\(agent.log.suffix(5))")
            try AgentHarness.produce(1_500..<2_500, of: &traffic, partitions: 1, producer: producer)
            let switched = try await agent.waitForLine(containing: "reference switched", timeout: .seconds(30))
            #expect(switched != nil, "\(agent.log.suffix(5))")
            metrics = try await AgentHarness.scrape(port: port, for: .seconds(30)) { $0.contains("model_version=\"\(DemoTraffic.model)/2\"") }
            #expect(metrics.contains("model_version=\"\(DemoTraffic.model)/2\""))

            // The registry goes away: the reference stays, and the failed looks are counted.
            server.stop()
            try await eventually("a failed look at the registry counted") {
                let metrics = try await LocalHTTP.get(port: port, "/metrics").body
                return (Exposition.sample("driftwatch_reference_registry_failures_total{model=\"\(DemoTraffic.model)\"}", in: metrics) ?? 0) >= 1
            }
            metrics = try await LocalHTTP.get(port: port, "/metrics").body
            #expect(metrics.contains("model_version=\"\(DemoTraffic.model)/2\""))
            #expect(agent.isRunning)
            agent.kill(SIGTERM)
            try await agent.waitForExit()
            #expect(agent.exitStatus == 0)
        }

        @Test("A registry that does not answer at start, or a malformed model URI, is a clear error before anything runs")
        func registryDownAtStart() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            let (directory, configuration, referencePath) = try AgentHarness.processSetup(cluster)
            defer { try? FileManager.default.removeItem(at: directory) }
            let yaml = try String(contentsOfFile: configuration, encoding: .utf8)
            try yaml.replacingOccurrences(of: referencePath.path, with: Self.uri).write(toFile: configuration, atomically: true, encoding: .utf8)
            let closed = try AgentProcess(
                arguments: ["run", "--config", configuration], environment: ["MLFLOW_TRACKING_URI": "http://127.0.0.1:\(try LoopbackPort.free())"])
            try await closed.waitForExit()
            #expect(closed.exitStatus != 0)
            #expect(closed.log.contains { $0.contains("models:/fraud-detector@champion/reference/profile.json") && $0.contains("did not answer") }, "\(closed.log.suffix(3))")

            try yaml.replacingOccurrences(of: referencePath.path, with: "models:/fraud-detector/latest/profile.json")
                .write(toFile: configuration, atomically: true, encoding: .utf8)
            let malformed = try AgentProcess(arguments: ["run", "--config", configuration], environment: ["MLFLOW_TRACKING_URI": "http://127.0.0.1:1"])
            try await malformed.waitForExit()
            #expect(malformed.exitStatus != 0)
            #expect(malformed.log.contains { $0.contains("not a model URI") }, "\(malformed.log.suffix(3))")
        }
    }
}
