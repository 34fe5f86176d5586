import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import Testing

extension AgentOnKafka {
    /// `bootstrap_records`: a model without a reference file takes the first records of its
    /// stream as its reference, writes it, and monitors what follows against it.
    @Suite("Reference bootstrapped from the stream", .serialized)
    struct ReferenceBootstrapTests {
        let logger = Logger(label: "bootstrap-test")

        @Test("The first 1500 records become the reference (the profile of exactly those records), later drift raises one retraining event, a restart loads the written file")
        func bootstrapFromStream() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            let (directory, configuration, referencePath) = try AgentHarness.processSetup(cluster, modelExtra: "    bootstrap_records: 1500")
            defer { try? FileManager.default.removeItem(at: directory) }
            // No reference yet: the agent is to build it.
            try FileManager.default.removeItem(at: referencePath)

            // 3000 clean records, then 2000 drifted ones (the mock broker keeps a few MB per partition).
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 41, driftAfter: 3_000)
            let records = (0..<5_000).map { i in traffic.next(timestampMilliseconds: 1_764_000_000_000 + Int64(i)) }
            let tickets = try records.map { try producer.send(topic: "logs", key: nil, value: $0, partition: 0) }
            try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)

            let (agent, _) = try await AgentProcess.run(configuration: configuration)
            let bootstrapped = try #require(try await agent.waitForLine(containing: "reference bootstrapped"), "\(agent.log.suffix(5))")
            #expect(AgentProcess.value(of: "records", in: bootstrapped) == "1500")
            try #require(try await agent.waitForLine(containing: "window closed", " window=9 ") != nil, "\(agent.log.filter { !$0.contains("event published") })")
            agent.kill(SIGTERM)
            #expect(agent.exitStatus == 0)

            // The written reference is the profile of exactly the first 1500 records.
            let written = try JSONDecoder().decode(ReferenceProfile.self, from: Data(contentsOf: referencePath))
            let firstRecords = directory.appendingPathComponent("first.jsonl")
            try Data(records[..<1_500].joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")]).write(to: firstRecords)
            let expected = try AgentRuntime.loadReference(path: firstRecords.path, model: DemoTraffic.model)
            #expect(written.version == expected.version)
            #expect(AgentProcess.value(of: "version", in: bootstrapped) == expected.version)
            #expect(written.features.map(\.name) == expected.features.map(\.name))

            // Clean windows stay clean (the first three are the reference itself); the drifted ones drift.
            let windows = agent.log.filter { $0.contains("window closed") }
            try #require(windows.count == 10, "\(windows)")
            // The agent's own group reads from the start: the bootstrap committed nothing.
            #expect(AgentProcess.value(of: "offsets", in: windows[0]) == "logs[0]:0-499")
            #expect(windows[..<6].allSatisfy { $0.contains("drifted=[]") }, "\(windows[..<6])")
            #expect(windows[6...].allSatisfy { !$0.contains("drifted=[]") }, "\(windows[6...])")
            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let retraining = try events.filter { try AgentHarness.type(of: $0.value) == "dev.driftwatch.retraining.requested" }
            try #require(retraining.count == 1)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(retraining[0].value)) as? [String: Any])
            let data = try #require(object["data"] as? [String: Any])
            let features = try #require(data["features"] as? [[String: Any]])
            #expect(Set(features.compactMap { $0["name"] as? String }) == Set(DemoTraffic.driftingFeatures))
            #expect(data["reference_version"] as? String == expected.version)

            // A restart loads the file: no second bootstrap from other records.
            let (restarted, _) = try await AgentProcess.run(configuration: configuration)
            let loaded = try #require(try await restarted.waitForLine(containing: "reference loaded"), "\(restarted.log.suffix(5))")
            #expect(AgentProcess.value(of: "version", in: loaded) == expected.version)
            #expect(!restarted.log.contains { $0.contains("bootstrapping") })
            restarted.kill(SIGTERM)
        }
    }
}
