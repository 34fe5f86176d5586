import Agent
import Foundation
import KafkaIO
import Logging
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension AgentOnKafka {
    /// `make soak`: the `driftwatch` process under traffic for `DRIFTWATCH_SOAK_SECONDS`, killed
    /// with SIGKILL (half the time right after a window closed), rebalanced by a second member
    /// joining and leaving, and flooded with idle connections, in turns. Off in `make test`.
    ///
    /// From the processes' logs: a window is kept when a later commit of its process passed
    /// it; kept windows must tile every partition up to the last commit (a gap is a lost
    /// record, an overlap a duplicated one), and windows holding the same records must
    /// publish each event type under one id.
    @Suite("Soak", .serialized, .enabled(if: ProcessInfo.processInfo.environment["DRIFTWATCH_SOAK_SECONDS"] != nil))
    struct SoakTests {
        static var seconds: Int? { ProcessInfo.processInfo.environment["DRIFTWATCH_SOAK_SECONDS"].flatMap(Int.init) }
        /// Eight partitions, 250 records a second: about 150,000 records in 10 minutes, 4 MB a
        /// partition, within what the mock broker keeps.
        static let partitions = 8
        static let recordsPerSecond = 250
        static let window = 500
        /// Traffic switches between clean and drifted every this many records.
        static let phase = 12_000

        @Test("Kills, rebalances and idle floods under traffic: nothing lost or duplicated, one id per window, RSS flat")
        func soak() async throws {
            let deadline = ContinuousClock.now + .seconds(Self.seconds ?? 600)
            let cluster = try AgentHarness.cluster(partitions: Self.partitions)
            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster, windowRecords: Self.window, extra: "log_level: debug",
                kafkaExtra: """
                      group: soak
                      properties:
                        session.timeout.ms: "6000"
                        heartbeat.interval.ms: "500"
                    """)
            defer { try? FileManager.default.removeItem(at: directory) }

            let traffic = Task.detached { try Self.produce(bootstrap: cluster.bootstrapServers, until: deadline) }
            var processes: [AgentProcess] = []
            var rss = RSSSamples()
            var tally = (kills: 0, killsAfterWindow: 0, rebalances: 0, floods: 0, floodConnections: 0)
            var (agent, port) = try await AgentProcess.run(configuration: configuration)
            processes.append(agent)
            var cycle = 0
            while ContinuousClock.now < deadline {
                cycle += 1
                try await rss.sample(agent, for: .seconds(Int.random(in: 8...16)))
                switch cycle % 3 {
                case 1:
                    // Idle connections: the server caps them; once they leave, /healthz answers.
                    let sockets = Self.openIdleConnections(600, port: port)
                    try await rss.sample(agent, for: .seconds(5))
                    for socket in sockets { close(socket) }
                    tally.floods += 1
                    tally.floodConnections += sockets.count
                    let health = try await AgentHarness.get(port: port, "/healthz")
                    #expect(health.status == 200, "healthz after \(sockets.count) idle connections")
                case 2:
                    // A second member joins and leaves: two rebalances.
                    let (member, _) = try await AgentProcess.run(configuration: configuration)
                    processes.append(member)
                    try await rss.sample(agent, for: .seconds(15))
                    member.kill(SIGTERM)
                    try await member.waitForExit(timeout: .seconds(60))
                    tally.rebalances += 2
                default:
                    // SIGKILL, half the time right after a window closed (before its commit).
                    if Bool.random() {
                        let closed = agent.windows.count
                        let deadline = ContinuousClock.now + .seconds(30)
                        while agent.windows.count == closed && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
                        tally.killsAfterWindow += 1
                    }
                    agent.kill(SIGKILL)
                    tally.kills += 1
                    (agent, port) = try await AgentProcess.run(configuration: configuration)
                    processes.append(agent)
                }
            }
            let produced = try await traffic.value
            agent.kill(SIGTERM)
            try await agent.waitForExit(timeout: .seconds(60))
            let drain = try AgentProcess(arguments: ["run", "--config", configuration, "--until-end"])
            processes.append(drain)
            try await drain.waitForExit(timeout: .seconds(300))
            #expect(!drain.isRunning && drain.exitStatus == 0, "\(drain.log.suffix(5))")

            let published = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: Logger(label: "soak"))
            var typeOfID: [String: String] = [:]
            for message in published {
                let event = try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
                if let id = event?["id"] as? String, let type = event?["type"] as? String { typeOfID[id] = type }
            }
            let ledger = SoakLedger(logs: processes.map(\.log))
            let coverage = ledger.coverage()
            let secondIDs = ledger.secondIDs(typeOf: typeOfID)
            let summary = [
                "seconds=\(Self.seconds ?? 600)", "records=\(produced)", "committed=\(coverage.committed)", "windows=\(ledger.windows.count)",
                "windows_whole_kept=\(ledger.windowsKept)", "events=\(published.count)", "distinct_ids=\(typeOfID.count)",
                "lost=\(coverage.lost)", "duplicated=\(coverage.duplicated)", "second_ids=\(secondIDs.second)",
                "second_ids_after_refused_commit=\(secondIDs.afterRefusedCommit)", "kills=\(tally.kills)",
                "kills_after_window=\(tally.killsAfterWindow)", "rebalances=\(tally.rebalances)", "idle_floods=\(tally.floods)",
                "idle_connections=\(tally.floodConnections)", rss.description,
            ].joined(separator: " ")
            print("SOAK \(summary)")
            // The processes' logs, for a failure to be read.
            let logs = directory.deletingLastPathComponent().appendingPathComponent("driftwatch-soak-logs")
            try? FileManager.default.removeItem(at: logs)
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            for (number, process) in processes.enumerated() {
                try process.log.joined(separator: "\n").write(to: logs.appendingPathComponent("process-\(number).log"), atomically: true, encoding: .utf8)
            }
            try "\(summary)\n".write(toFile: directory.deletingLastPathComponent().appendingPathComponent("driftwatch-soak.txt").path, atomically: true, encoding: .utf8)
            #expect(coverage.lost == 0)
            #expect(coverage.duplicated == 0)
            // The mock broker refuses commits during a rebalance; a real one does not, and then
            // the new owner never reads a closed window again.
            #expect(secondIDs.second == secondIDs.afterRefusedCommit)
            #expect(coverage.committed >= produced - Self.partitions * Self.window, "the drain read to the end")
            #expect(rss.lastMinuteMedian <= rss.firstMinuteMedian * 1.25 + 4, "RSS flat: \(rss.description)")
        }

        /// Demo traffic at ``recordsPerSecond`` across the partitions, clean and drifted in
        /// turns, until `deadline`; returns how many records were produced.
        static func produce(bootstrap: String, until deadline: ContinuousClock.Instant) throws -> Int {
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
            var clean = DemoTraffic(seed: 5, driftAfter: .max)
            var drifted = DemoTraffic(seed: 6, driftAfter: 0)
            var produced = 0
            let tick = Duration.milliseconds(100)
            var next = ContinuousClock.now
            while ContinuousClock.now < deadline {
                let tickets = try (0..<recordsPerSecond / 10).map { _ in
                    let time = 1_764_000_000_000 + Int64(produced)
                    let value = (produced / phase) % 2 == 0 ? clean.next(timestampMilliseconds: time) : drifted.next(timestampMilliseconds: time)
                    defer { produced += 1 }
                    return try producer.send(topic: "logs", key: nil, value: value, partition: Int32(produced % partitions))
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
                next += tick
                Thread.sleep(forTimeInterval: max(0, (next - ContinuousClock.now).inSeconds))
            }
            return produced
        }

        /// TCP connections to the agent that send nothing.
        static func openIdleConnections(_ count: Int, port: Int) -> [Int32] {
            (0..<count).compactMap { _ in LoopbackSocket.connect(port: port) }
        }
    }
}

extension Duration {
    fileprivate var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
