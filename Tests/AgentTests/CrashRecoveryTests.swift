import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import Testing

extension AgentOnKafka {
    /// The `driftwatch` executable killed with SIGKILL mid-window and mid-publish, then restarted,
    /// against the same mock cluster (which lives in the test process, over TCP).
    @Suite("Crash recovery of the agent process", .serialized)
    struct CrashRecoveryTests {
        let logger: Logger = {
            var logger = Logger(label: "crash")
            logger.logLevel = .warning
            return logger
        }()

        /// One partition, so that a replay forms the same windows; the mock broker keeps 5 MB of it.
        static let window = 400
        static let records = 16 * window
        /// Windows 0-7 are clean; 8 and 9 breach, so drift is declared at window 9.
        static let driftAfter = 8 * window

        @Test("SIGKILL mid-window and mid-publish: no window lost, no event lost, a repeated event keeps its id")
        func killedAndRestarted() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            try cluster.createTopic("events-clean", partitions: 1)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-crash-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let reference = directory.appendingPathComponent("reference.json")
            try JSONEncoder().encode(DemoTraffic.reference(records: 20_000)).write(to: reference)
            func configuration(group: String, events: String) throws -> String {
                let path = directory.appendingPathComponent("\(group).yaml").path
                try """
                kafka:
                  bootstrap: "\(cluster.bootstrapServers)"
                  topics: [logs]
                  group: \(group)
                  events_topic: \(events)
                  dlq_topic: dlq
                  properties:
                    session.timeout.ms: "6000"
                    heartbeat.interval.ms: "500"
                http_port: 0
                window_records: \(Self.window)
                log_level: debug
                models:
                  - name: \(DemoTraffic.model)
                    reference: \(reference.path)
                """.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            let crashy = try configuration(group: "crashy", events: "events")
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 21, driftAfter: Self.driftAfter)

            // Run 1: killed mid-window, after window 8 (the first breach) was closed and committed.
            try AgentHarness.produce(0..<9 * Self.window + 200, of: &traffic, partitions: 1, producer: producer)
            let first = try AgentProcess(arguments: ["run", "--config", crashy])
            let closed8 = try await first.waitForLine(containing: "window closed", " window=8 ")
            try #require(closed8 != nil, "run 1 closed window 8: \(first.log.suffix(5))")
            try await Task.sleep(for: .seconds(1))
            first.kill(SIGKILL)

            // Run 2: takes up the committed drift state, then is killed while publishing window 9's events.
            try AgentHarness.produce(9 * Self.window + 200..<10 * Self.window - 1, of: &traffic, partitions: 1, producer: producer)
            let second = try AgentProcess(arguments: ["run", "--config", crashy])
            let restored = try await second.waitForLine(containing: "drift state restored")
            #expect(restored.flatMap { AgentProcess.value(of: "windows", in: $0) } == "9", "\(second.log.suffix(5))")
            #expect(restored.flatMap { AgentProcess.value(of: "state", in: $0) } == "1", "warning, one breached window")
            try await Task.sleep(for: .seconds(2))
            try cluster.setRoundTripTime(3_000)
            try AgentHarness.produce(10 * Self.window - 1..<10 * Self.window, of: &traffic, partitions: 1, producer: producer)
            let publishing = try await second.waitForLine(containing: "publishing event")
            try #require(publishing != nil, "run 2 began publishing: \(second.log.suffix(5))")
            second.kill(SIGKILL)
            try cluster.setRoundTripTime(0)

            // Run 3: replays window 9 and reads to the end.
            try AgentHarness.produce(10 * Self.window..<Self.records, of: &traffic, partitions: 1, producer: producer)
            let third = try AgentProcess(arguments: ["run", "--config", crashy, "--until-end"])
            try await third.waitForExit()
            #expect(!third.isRunning && third.exitStatus == 0, "\(third.log.suffix(5))")

            // The same records read by one uninterrupted run.
            let clean = try AgentProcess(arguments: ["run", "--config", try configuration(group: "clean", events: "events-clean"), "--until-end"])
            try await clean.waitForExit()
            #expect(!clean.isRunning && clean.exitStatus == 0, "\(clean.log.suffix(5))")

            // No window lost: the crashed runs' windows, replays merged, are the clean run's windows.
            let cleanWindows = clean.windows.map(\.offsets)
            #expect(cleanWindows == (0..<Self.records / Self.window).map { "logs[0]:\($0 * Self.window)-\($0 * Self.window + Self.window - 1)" })
            let crashedWindows = (first.windows + second.windows + third.windows).map(\.offsets)
            var distinct: [String] = []
            for window in crashedWindows where distinct.last != window {
                #expect(!distinct.contains(window), "window \(window) closed again after later ones")
                distinct.append(window)
            }
            #expect(distinct == cleanWindows)

            // No event lost: the same ids as the clean run, and a repeat is the same message.
            let expected = try AgentHarness.readAll(topic: "events-clean", bootstrap: cluster.bootstrapServers, logger: logger)
            let published = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let expectedTypes = try expected.map { try AgentHarness.type(of: $0.value) }
            #expect(expectedTypes == ["dev.driftwatch.drift.detected", "dev.driftwatch.retraining.requested"])
            func id(_ message: AgentHarness.Message) throws -> String? {
                (try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])?["id"] as? String
            }
            #expect(Set(try published.map(id)) == Set(try expected.map(id)))
            var byID: [String: [UInt8]] = [:]
            for message in published {
                let key = try #require(try id(message))
                if let earlier = byID[key] { #expect(earlier == message.value, "a repeated event \(key) differs") }
                byID[key] = message.value
            }
            #expect(clean.windows.flatMap(\.events).count == 2)
        }
    }
}
