import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import TestSupport
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
            // Its debug log says when: reading the group's offsets here would join the group.
            let committed8 = try await first.waitForLine(containing: "offsets committed", "logs[0]:\(9 * Self.window)")
            try #require(committed8 != nil, "run 1 committed window 8: \(first.log.suffix(5))")
            first.kill(SIGKILL)

            // Run 2: takes up the committed drift state, then is killed while publishing window 9's events.
            try AgentHarness.produce(9 * Self.window + 200..<10 * Self.window - 1, of: &traffic, partitions: 1, producer: producer)
            let (second, secondPort) = try await AgentProcess.run(configuration: crashy)
            let restored = try await second.waitForLine(containing: "drift state restored")
            #expect(restored.flatMap { AgentProcess.value(of: "windows", in: $0) } == "9", "\(second.log.suffix(5))")
            #expect(restored.flatMap { AgentProcess.value(of: "state", in: $0) } == "1", "warning, one breached window")
            // Run 2 reads what was produced before the broker slows down.
            let waiting = 10 * Self.window - 1 - (9 * Self.window)
            try await eventually("run 2 read window 9's first \(waiting) records") {
                let metrics = try await LocalHTTP.get(port: secondPort, "/metrics").body
                return Exposition.sample("driftwatch_records_total{model=\"\(DemoTraffic.model)\"}", in: metrics) == Double(waiting)
            }
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
            let resident = try await clean.waitForLine(containing: "window closed").flatMap { _ in clean.residentBytes }
            try await clean.waitForExit()
            #expect(!clean.isRunning && clean.exitStatus == 0, "\(clean.log.suffix(5))")
            // Its last line reports its peak resident memory (what `make bench` reads): what it
            // held while it ran, or more. The sample can come after the line, while the agent
            // closes its clients (12 KiB more seen), hence the MiB of slack.
            let stopped = try #require(clean.log.last { $0.contains("pipeline stopped") })
            let peak = try #require(AgentProcess.value(of: "peak_resident_bytes", in: stopped).flatMap(Int.init), "\(stopped)")
            #expect(peak + (1 << 20) >= (resident ?? 4 << 20) && peak < 1 << 30, "peak \(peak), resident \(resident ?? -1)")

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

        /// Windows of 400 over four partitions, every record drifted: window 1 declares drift.
        @Test(
            "Four partitions, SIGKILL right after a window closed: the replay forms it from other records and publishes it under the same ids",
            arguments: 1...3)
        func replayedAcrossPartitions(round: Int) async throws {
            let partitions = 4
            let cluster = try AgentHarness.cluster(partitions: partitions)
            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster, windowRecords: Self.window, extra: "log_level: debug",
                kafkaExtra: """
                      group: replayed
                      properties:
                        session.timeout.ms: "6000"
                        heartbeat.interval.ms: "500"
                        max.partition.fetch.bytes: "600"
                    """)
            defer { try? FileManager.default.removeItem(at: directory) }
            // One record a batch, and fetches of 600 bytes a partition: the agent takes the
            // partitions in turn, a record or two at a time.
            var producing = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
            producing["batch.num.messages"] = "1"
            let producer = try KafkaProducer(configuration: producing)
            var traffic = DemoTraffic(seed: UInt64(40 + round), driftAfter: 0)

            /// Two records in three to partition 0, the third to partition 1: read in turn, partition 1
            /// runs out first.
            func produceUnevenly(_ range: Range<Int>) throws {
                let tickets = try range.map { i in
                    try producer.send(
                        topic: "logs", key: nil, value: traffic.next(timestampMilliseconds: 1_764_000_000_000 + Int64(i)),
                        partition: i % 3 == 2 ? 1 : 0)
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            }

            // Run 1: window 0 closes and is committed; window 1 lacks one record.
            try produceUnevenly(0..<2 * Self.window - 1)
            let first = try AgentProcess(arguments: ["run", "--config", configuration])
            let closed0 = try await first.waitForLine(containing: "window closed", " window=0 ")
            try #require(closed0 != nil, "run 1 closed window 0: \(first.log.suffix(5))")
            try await AgentHarness.wait(for: .seconds(30)) {
                first.log.drop { !$0.contains(" window=0 ") }.contains { $0.contains("offsets committed") }
            }
            // Its last record closes window 1; the broker refuses the commit after it, and the
            // process dies right after the window's events were acknowledged.
            cluster.refuseCommitRequests(count: 1_000, code: 12)
            try produceUnevenly(2 * Self.window - 1..<2 * Self.window)
            let closed1 = try await first.waitForLine(containing: "window closed", " window=1 ")
            first.kill(SIGKILL)
            try #require(closed1 != nil, "run 1 closed window 1: \(first.log.suffix(5))")
            cluster.acceptCommitRequests()

            // Run 2: by now every partition has more records; the replay takes partition 1's new
            // ones once its old ones ran out, before window 1 is full: the window holds other
            // records than the crashed run's.
            try AgentHarness.produce(2 * Self.window..<5 * Self.window, of: &traffic, partitions: partitions, producer: producer)
            let second = try AgentProcess(arguments: ["run", "--config", configuration, "--until-end"])
            try await second.waitForExit()
            #expect(!second.isRunning && second.exitStatus == 0, "\(second.log.suffix(5))")

            let crashed = try #require(first.windows.first { $0.index == 1 })
            #expect(!crashed.events.isEmpty, "window 1 declared drift: \(crashed)")
            let replayed = try #require(second.windows.first { $0.index == 1 }, "window 1 was not committed, so it is replayed: \(second.log.suffix(5))")
            #expect(replayed.offsets != crashed.offsets, "the replay read window 1 from other records")
            #expect(replayed.events == crashed.events, "the replayed window's ids: \(replayed.events) against \(crashed.events)")
            // Per window and type, one id on the events topic.
            let published = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let ids = try published.map { message in
                try #require((try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])?["id"] as? String)
            }
            let logged = Set((first.windows + second.windows).flatMap { window in window.events.map { "\(window.index):\($0)" } })
            #expect(Set(ids).count == logged.count, "distinct ids published \(Set(ids).count), window events logged \(logged.sorted())")
        }
    }
}
