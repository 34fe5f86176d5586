import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import Testing
import TestSupport

extension AgentOnKafka {
    /// What an adversary writing to the inference topic can make the agent keep (issue 23).
    @Suite("Hostile input")
    struct HostileInputTests {
        let logger: Logger = {
            var logger = Logger(label: "hostile")
            logger.logLevel = .warning
            return logger
        }()

        @Test("Distinct category values over 256 bytes are counted as __overflow__ and in driftwatch_category_values_cut_total, not kept")
        func longCategoryValues() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            let padding = String(repeating: "x", count: 4_000)
            let tickets = try (0..<500).map { index in
                let record = #"{"model":"\#(DemoTraffic.model)","features":{"transaction_amount":\#(index),"device_type":"\#(index)\#(padding)"}}"#
                return try producer.send(topic: "logs", key: nil, value: Array(record.utf8), partition: 0)
            }
            try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            let agent = try AgentHarness.RunningAgent(
                configuration: AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 500), logger: logger)
            let metrics = try await agent.scrape { $0.contains("driftwatch_category_values_cut_total 500") }
            try await agent.stop()
            #expect(metrics.contains("driftwatch_category_values_cut_total 500"))
            let window = try #require(agent.windows.all.first)
            let device = try #require(window.report.features.first { $0.name == "device_type" })
            // Every value is new to the reference: all of them in the one overflow category.
            #expect(device.newCategoryRatio == 1 && device.count == 500)
        }
    }
}
