import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import Testing
import TestSupport

extension AgentOnKafka {
    /// `driftwatch hook` as a process on the agent's real events.
    @Suite("Retraining hook on the mock cluster", .serialized)
    struct RetrainingHookTests {
        let logger: Logger = {
            var logger = Logger(label: "hook")
            logger.logLevel = .warning
            return logger
        }()

        /// The command: keeps each attempt's stdin and DRIFTWATCH_* environment, fails every
        /// first attempt (to prove the retry) and every attempt for the model `poison`.
        static let script = """
            #!/bin/sh
            out="$1"
            cat > "$out/$DRIFTWATCH_EVENT_ID.$DRIFTWATCH_ATTEMPT.json"
            env | grep '^DRIFTWATCH_' | sort > "$out/$DRIFTWATCH_EVENT_ID.$DRIFTWATCH_ATTEMPT.env"
            [ "$DRIFTWATCH_MODEL" != poison ] && [ "$DRIFTWATCH_ATTEMPT" -ge 2 ]
            """

        @Test("Runs the command once per retraining event: retried, duplicates skipped across a restart, failures recorded, offsets committed")
        func commandOnRealEvents() async throws {
            let cluster = try AgentHarness.cluster(partitions: 2)
            try cluster.createTopic("failed", partitions: 1)

            // The agent's real events: 3,000 clean records, then 5,000 drifted.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 3, driftAfter: 3_000)
            try AgentHarness.produce(0..<8_000, of: &traffic, partitions: 2, producer: producer)
            let agent = try AgentHarness.RunningAgent(
                configuration: AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 1_000), logger: logger)
            try await AgentHarness.wait(for: .seconds(60)) { agent.windows.count >= 8 }
            try await agent.stop()
            let published = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let types = try published.map { try AgentHarness.type(of: $0.value) }
            let retraining = try #require(published.first { try AgentHarness.type(of: $0.value) == DriftEvent.Kind.retrainingRequested.rawValue })
            #expect(types.filter { $0 == DriftEvent.Kind.retrainingRequested.rawValue }.count == 1)
            let event = try #require(JSONSerialization.jsonObject(with: Data(retraining.value)) as? [String: Any])
            let id = try #require(event["id"] as? String)
            let data = try #require(event["data"] as? [String: Any])
            let features = try #require(data["features"] as? [[String: Any]]).compactMap { $0["name"] as? String }
            #expect(Set(features) == Set(DemoTraffic.driftingFeatures))

            // After them: the same event again (an agent replaying after a crash), a message
            // that is no event, and an event whose action always fails.
            let poison = String(decoding: retraining.value, as: UTF8.self)
                .replacingOccurrences(of: "\"id\":\"\(id)\"", with: "\"id\":\"poison-1\"")
                .replacingOccurrences(of: "\"model\":\"\(DemoTraffic.model)\"", with: "\"model\":\"poison\"")
            let extra: [[UInt8]] = [retraining.value, Array("{\"specversion\":".utf8), Array(poison.utf8)]
            try producer.waitForDelivery(of: extra.map { try producer.send(topic: "events", key: Array("m".utf8), value: $0) })
            let total = published.count + extra.count

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-hook-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let script = directory.appendingPathComponent("retrain.sh")
            try Self.script.write(to: script, atomically: true, encoding: .utf8)
            let runs = directory.appendingPathComponent("runs")
            try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
            let arguments = [
                "hook", "--bootstrap", cluster.bootstrapServers, "--topic", "events", "--group", "hooks", "--failed-topic", "failed",
                "--attempts", "3", "--backoff", "0.05", "--max-backoff", "0.1", "--http-port", "0",
                // A member that dies without leaving holds the group until its session ends: 6 s, not 45.
                "--kafka-property", "session.timeout.ms=6000", "--kafka-property", "heartbeat.interval.ms=500", "--", "/bin/sh", script.path, runs.path,
            ]
            func series(_ type: DriftEvent.Kind, _ result: String) -> String {
                "driftwatch_hook_events_total{type=\"\(type.rawValue)\",result=\"\(result)\"}"
            }
            /// Events the hook has finished with, whatever the result.
            func handled(_ metrics: String) -> Double {
                (DriftEvent.Kind.allCases.map(\.rawValue) + ["other"]).flatMap { type in
                    ["succeeded", "failed", "duplicate", "ignored", "invalid"].map { "driftwatch_hook_events_total{type=\"\(type)\",result=\"\($0)\"}" }
                }.compactMap { Exposition.sample($0, in: metrics) }.reduce(0, +)
            }

            let (hook, port) = try await AgentProcess.serve(arguments: arguments)
            let metrics = try await AgentHarness.scrape(port: port, for: .seconds(60)) { handled($0) == Double(total) || !hook.isRunning }
            #expect(try await AgentHarness.get(port: port, "/readyz").status == 200)
            hook.kill(SIGTERM)
            #expect(hook.exitStatus == 0, "\(hook.log.suffix(10))")

            // The retraining event: failed once, succeeded on the retry, with the event on stdin.
            let files = try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted()
            #expect(files == ["\(id).1.env", "\(id).1.json", "\(id).2.env", "\(id).2.json", "poison-1.1.env", "poison-1.1.json",
                              "poison-1.2.env", "poison-1.2.json", "poison-1.3.env", "poison-1.3.json"].sorted())
            #expect(try Array(Data(contentsOf: runs.appendingPathComponent("\(id).2.json"))) == retraining.value)
            let environment = try String(contentsOf: runs.appendingPathComponent("\(id).2.env"), encoding: .utf8)
            #expect(environment.contains("DRIFTWATCH_MODEL=\(DemoTraffic.model)\n"))
            #expect(environment.contains("DRIFTWATCH_FEATURES=\(features.joined(separator: ","))\n"))
            #expect(environment.contains("DRIFTWATCH_EVENT_TYPE=dev.driftwatch.retraining.requested\n"))
            #expect(environment.contains("DRIFTWATCH_ATTEMPT=2\n"))
            #expect(environment.contains("DRIFTWATCH_WINDOW_RECORDS=1000\n"))

            #expect(Exposition.sample(series(.retrainingRequested, "succeeded"), in: metrics) == 1)
            #expect(Exposition.sample(series(.retrainingRequested, "duplicate"), in: metrics) == 1)
            #expect(Exposition.sample(series(.retrainingRequested, "failed"), in: metrics) == 1)
            #expect(Exposition.sample(series(.driftDetected, "ignored"), in: metrics) == Double(types.filter { $0 == DriftEvent.Kind.driftDetected.rawValue }.count))
            #expect(Exposition.sample("driftwatch_hook_events_total{type=\"other\",result=\"invalid\"}", in: metrics) == 1)
            #expect(Exposition.sample("driftwatch_hook_action_attempts_total{result=\"failed\"}", in: metrics) == 4)
            #expect(Exposition.sample("driftwatch_hook_action_attempts_total{result=\"succeeded\"}", in: metrics) == 1)
            #expect(Exposition.sample("driftwatch_hook_action_duration_seconds_count", in: metrics) == 5)

            // What was given up is on the failed topic with the reason; every offset is committed.
            let failed = try AgentHarness.readAll(topic: "failed", bootstrap: cluster.bootstrapServers, logger: logger)
            #expect(failed.map { $0.headers["driftwatch_hook_reason"] } == ["malformed_json", "action_failed"])
            #expect(failed.last?.headers["driftwatch_hook_attempts"] == "3")
            #expect(failed.last?.value == Array(poison.utf8))
            #expect(try AgentHarness.committed(cluster, topic: "events", partitions: 1, group: "hooks", logger: logger) == [Int64(total)])

            // A restarted hook skips a replay of the event: the ids came with the committed offset.
            try producer.waitForDelivery(of: [try producer.send(topic: "events", key: nil, value: retraining.value)])
            let (restarted, secondPort) = try await AgentProcess.serve(arguments: arguments)
            let after = try await AgentHarness.scrape(port: secondPort, for: .seconds(120)) {
                Exposition.sample(series(.retrainingRequested, "duplicate"), in: $0) == 1 || !restarted.isRunning
            }
            restarted.kill(SIGTERM)
            #expect(restarted.exitStatus == 0, "\(restarted.log.suffix(10))")
            #expect(Exposition.sample(series(.retrainingRequested, "duplicate"), in: after) == 1, "\(restarted.log.suffix(20))")
            #expect(Exposition.sample(series(.retrainingRequested, "succeeded"), in: after) == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: runs.path).count == files.count)
            #expect(try AgentHarness.committed(cluster, topic: "events", partitions: 1, group: "hooks", logger: logger) == [Int64(total + 1)])
        }
    }
}
