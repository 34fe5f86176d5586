import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import TestSupport
import Testing

extension AgentOnKafka {
    /// The `driftwatch` process takes a new reference on SIGHUP, from the next window on.
    @Suite("Reference reload on SIGHUP", .serialized)
    struct ReferenceReloadTests {
        @Test("A new reference file is read on SIGHUP (not before: polling is off); the next windows are judged against it and reference_info names it")
        func reloadOnSignal() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            let (directory, configuration, path) = try AgentHarness.processSetup(cluster, extra: "reference_reload_seconds: 0")
            defer { try? FileManager.default.removeItem(at: directory) }
            let clean = try JSONDecoder().decode(ReferenceProfile.self, from: Data(contentsOf: path))
            // Built from the drifted traffic: against it, the clean traffic drifts.
            let shifted = DemoTraffic.reference(records: 20_000, drifted: true)
            try #require(clean.version != shifted.version)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 31, driftAfter: .max)

            let (agent, port) = try await AgentProcess.run(configuration: configuration)
            try AgentHarness.produce(0..<1_000, of: &traffic, partitions: 1, producer: producer)
            try #require(try await agent.waitForLine(containing: "window closed", " window=1 ") != nil, "\(agent.log.suffix(5))")

            // The file changes; without polling, nothing happens until the signal.
            try JSONEncoder().encode(shifted).write(to: path)
            try await Task.sleep(for: .seconds(1))
            #expect(!agent.log.contains { $0.contains("reference changed") })
            agent.send(SIGHUP)
            let changed = try await agent.waitForLine(containing: "reference changed")
            #expect(changed.flatMap { AgentProcess.value(of: "version", in: $0) } == shifted.version)

            try AgentHarness.produce(1_000..<2_000, of: &traffic, partitions: 1, producer: producer)
            try #require(try await agent.waitForLine(containing: "window closed", " window=3 ") != nil, "\(agent.log.suffix(5))")
            let switched = try #require(agent.log.first { $0.contains("reference switched") })
            #expect(AgentProcess.value(of: "from", in: switched) == clean.version)
            #expect(AgentProcess.value(of: "to", in: switched) == shifted.version)
            let metrics = try await LocalHTTP.get(port: port, "/metrics").body
            #expect(metrics.contains("driftwatch_reference_info{model=\"\(DemoTraffic.model)\",version=\"\(shifted.version)\",model_version=\"\"} 1"))
            #expect(!metrics.contains("version=\"\(clean.version)\""))
            agent.kill(SIGTERM)

            let windows = agent.log.filter { $0.contains("window closed") }
            try #require(windows.count == 4)
            // The clean traffic: clean against the first reference, drifted against the second.
            #expect(windows[0].contains("drifted=[]") && windows[1].contains("drifted=[]"), "\(windows)")
            #expect(!windows[2].contains("drifted=[]") && !windows[3].contains("drifted=[]"), "\(windows)")
            #expect(agent.exitStatus == 0)
        }
    }
}
