import Agent
import DriftMonitor
import Foundation
import KafkaIO
import Logging
import TestSupport
import Testing

extension AgentOnKafka {
    /// Per-model windows and routing, with the agent reading the mock cluster.
    @Suite("Event-time windows and routing by key", .serialized)
    struct WindowingTests {
        let logger: Logger = {
            var logger = Logger(label: "windowing")
            logger.logLevel = .warning
            return logger
        }()

        @Test("Sliding event-time windows over three partitions hold exactly their span's records; a record for a closed window is counted late")
        func eventTimeWindows() async throws {
            let partitions = 3
            let cluster = try AgentHarness.cluster(partitions: partitions)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 21, driftAfter: .max)
            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 1_000_000)
            configuration.models[0].window = WindowSettings(duration: "1s", slide: "500ms", allowedLateness: "200ms")
            // One record per millisecond of event time, round robin over the partitions; they
            // are fetched a partition at a time, far more out of order than 200 ms.
            try AgentHarness.produce(0..<6_000, of: &traffic, partitions: partitions, producer: producer)
            let agent = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)
            // Every partition read to its end: the newest event (5999 ms) closes the panes
            // ending by 5799 ms, so the windows end at 1000, 1500, ... 5500 ms.
            try await AgentHarness.wait { agent.windows.count >= 10 }
            // Everything read before the late records come, or they would not be late.
            _ = try await agent.scrape { Exposition.sample("driftwatch_records_total{model=\"fraud-detector\"}", in: $0) == 6_000 }

            // Four records 5.9 s behind the stream: their panes closed long ago.
            let base: Int64 = 1_764_000_000_000
            let tickets = try (0..<4).map { i in
                try producer.send(
                    topic: "logs", key: nil, value: traffic.next(timestampMilliseconds: base + 100 + Int64(i)), partition: Int32(i % partitions))
            }
            try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 30_000)
            let metrics = try await agent.scrape { Exposition.sample("driftwatch_late_records_total{model=\"fraud-detector\"}", in: $0) == 4 }
            try await agent.stop()

            let windows = agent.windows.all
            #expect(windows.map(\.report.start) == (0..<10).map { base + 500 * Int64($0) })
            #expect(windows.map(\.report.end) == (0..<10).map { base + 1_000 + 500 * Int64($0) })
            #expect(windows.allSatisfy { $0.report.records == 1_000 }, "records per window: \(windows.map(\.report.records))")
            #expect(windows.map(\.report.lateRecords).reduce(0, +) == 0)
            #expect(Exposition.sample("driftwatch_late_records_total{model=\"fraud-detector\"}", in: metrics) == 4)
            #expect(Exposition.sample("driftwatch_records_total{model=\"fraud-detector\"}", in: metrics) == 6_000)
            // Offsets stay uncommitted while a window that still needs them is open: the last
            // evaluated window began at 4500 ms, its panes from 5000 ms are still needed.
            let committed = try AgentHarness.committed(cluster, partitions: partitions, logger: logger)
            let firstNeeded = (0..<partitions).map { partition in Int64((5_000 - partition + partitions - 1) / partitions) }
            #expect(committed == firstNeeded)
        }

        @Test("Records routed by their Kafka key, several names to one model; other keys are unrouted")
        func routingByKey() async throws {
            let cluster = try AgentHarness.cluster(partitions: 2)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 22, driftAfter: .max)
            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 1_000)
            configuration.routeBy = .key
            configuration.models[0].match = ["fraud-v1", "fraud-v2"]
            let keys = ["fraud-v1", "fraud-v2", "churn"]
            // 3000 records: 1000 per key. The body's model field names fraud-detector for all.
            let tickets = try (0..<3_000).map { i in
                try producer.send(
                    topic: "logs", key: Array(keys[i % 3].utf8), value: traffic.next(timestampMilliseconds: 1_764_000_000_000 + Int64(i)),
                    partition: Int32(i % 2))
            }
            try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            let agent = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)
            let metrics = try await agent.scrape { Exposition.sample("driftwatch_records_unrouted_total", in: $0) == 1_000 && agent.windows.count >= 2 }
            try await agent.stop()
            #expect(agent.windows.count == 2)
            #expect(Exposition.sample("driftwatch_records_unrouted_total", in: metrics) == 1_000)
            #expect(Exposition.sample("driftwatch_records_total{model=\"fraud-detector\"}", in: metrics) == 2_000)
        }

        @Test(
            "Segments by a header or a JSON field: each model version watched as its own model, past max_segments with the model itself",
            arguments: [SegmentSource.header("model-version"), .field("tenant")])
        func segments(source: SegmentSource) async throws {
            let cluster = try AgentHarness.cluster(partitions: 2)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 500)
            configuration.models[0].segmentBy = source
            configuration.models[0].maxSegments = 2
            // Versions v1 and v3 send clean traffic, v2 drifted traffic; one record in seven has no version.
            var clean = DemoTraffic(seed: 51, driftAfter: .max)
            var drifted = DemoTraffic(seed: 52, driftAfter: 0)
            let versions: [String?] = ["v1", "v1", "v2", "v2", "v3", "v3", nil]
            let byHeader = if case .header = source { true } else { false }
            let tickets = try (0..<3_500).map { i in
                let version = versions[i % 7]
                let time = 1_764_000_000_000 + Int64(i)
                var value = version == "v2" ? drifted.next(timestampMilliseconds: time) : clean.next(timestampMilliseconds: time)
                if let version, !byHeader { value = Array("{\"tenant\":\"\(version)\",".utf8) + value.dropFirst() }
                return try producer.send(
                    topic: "logs", key: nil, value: value,
                    headers: byHeader ? version.map { [MessageHeader(name: "model-version", string: $0)] } ?? [] : [], partition: Int32(i % 2))
            }
            try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            let agent = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)
            let metrics = try await agent.scrape { _ in agent.windows.count >= 7 }
            try await agent.stop()

            let model = DemoTraffic.model
            let windows = Dictionary(grouping: agent.windows.all, by: \.report.model)
            #expect(windows.keys.sorted() == [model, "\(model)/v1", "\(model)/v2"])
            // v1: 1000 clean records; v2: 1000 drifted ones; v3 (the third version) and the records
            // without one: 1500 with the model itself.
            #expect(windows["\(model)/v1"]?.map(\.report.records) == [500, 500])
            #expect(windows["\(model)/v1"]?.allSatisfy { $0.report.driftedFeatures.isEmpty } == true)
            #expect(windows["\(model)/v2"]?.map(\.report.records) == [500, 500])
            #expect(windows["\(model)/v2"]?.allSatisfy { Set($0.report.driftedFeatures.map(\.name)) == Set(DemoTraffic.driftingFeatures) } == true)
            #expect(windows[model]?.map(\.report.records) == [500, 500, 500])
            #expect(windows[model]?.allSatisfy { $0.report.driftedFeatures.isEmpty } == true)
            let events = agent.windows.all.flatMap(\.events)
            #expect(events.map(\.kind) == [.driftDetected, .retrainingRequested])
            #expect(events.allSatisfy { $0.model == "\(model)/v2" })
            for (name, records) in [(model, 1_500.0), ("\(model)/v1", 1_000), ("\(model)/v2", 1_000)] {
                #expect(Exposition.sample("driftwatch_records_total{model=\"\(name)\"}", in: metrics) == records, "\(name)")
            }
            #expect(Exposition.sample("driftwatch_drift_state{model=\"\(model)/v2\"}", in: metrics) == 2)
            #expect(Exposition.sample("driftwatch_drift_state{model=\"\(model)/v1\"}", in: metrics) == 0)
        }
    }
}
