import Agent
import DriftMonitor
import Foundation
import HTTP
import KafkaIO
import Logging
import Telemetry
import TestSupport
import Testing

extension AgentOnKafka {
    /// Scale-out through Kafka: two members of one consumer group send pane summaries, one
    /// aggregator merges them; its windows and events are those of one agent reading everything.
    @Suite("Scale-out: two members and an aggregator on the mock cluster")
    struct ScaleOutTests {
        let logger = Logger(label: "scale-out-test")

        /// Produces 12 s of `traffic` (one record per ms, round robin over the partitions, labels
        /// to `labelsTopic`), then one record per partition 20 s on, which closes every pane and
        /// window of it; then starts one standalone agent (group "one") reading everything.
        func produceThenStandalone(
            _ traffic: inout DemoTraffic, _ configuration: AgentConfiguration, partitions: Int, producer: KafkaProducer, labelsTopic: String? = nil
        ) throws -> AgentHarness.RunningAgent {
            try AgentHarness.produce(0..<12_000, of: &traffic, partitions: partitions, producer: producer, labelsTopic: labelsTopic)
            let tickets = try (0..<partitions).map { partition in
                try producer.send(
                    topic: "logs", key: nil, value: traffic.next(timestampMilliseconds: 1_764_000_020_000), partition: Int32(partition))
            }
            try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 30_000)
            var standalone = configuration
            standalone.kafka.group = "one"
            return try AgentHarness.RunningAgent(configuration: standalone, logger: logger)
        }

        /// Members `a` and `b` of the group "members", and the aggregator, started once the
        /// members' assigned partition counts are `split` and hold.
        func startGroup(_ configuration: AgentConfiguration, split: [Int]) async throws
            -> (AgentHarness.RunningAgent, AgentHarness.RunningAgent, AgentHarness.RunningAgent)
        {
            var member = configuration
            member.kafka.group = "members"
            member.scaleOut.role = .member
            member.scaleOut.member = "a"
            let a = try AgentHarness.RunningAgent(configuration: member, logger: logger)
            try await AgentHarness.wait { a.readiness.state.ready }
            member.scaleOut.member = "b"
            let b = try AgentHarness.RunningAgent(configuration: member, logger: logger)
            try await AgentHarness.wait { b.readiness.state.ready }
            try await AgentHarness.RunningAgent.awaitAssignment(of: [a, b]) { $0 == split }
            var aggregator = member
            aggregator.scaleOut.role = .aggregator
            return (a, b, try AgentHarness.RunningAgent(configuration: aggregator, logger: logger))
        }

        @Test("Two members' merged pane summaries judge every window as one agent reading every partition")
        func twoMembersEqualOne() async throws {
            let partitions = 4
            let cluster = try AgentHarness.cluster(partitions: partitions)
            try cluster.createTopic("summaries", partitions: 2)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 1_000_000)
            configuration.models[0].window = WindowSettings(duration: "2s", slide: "1s", allowedLateness: "200ms")
            configuration.scaleOut.summariesTopic = "summaries"

            // The join's rebalance: each member ends up with two of the four partitions.
            let (a, b, aggregator) = try await startGroup(configuration, split: [2, 2])

            // 12 s of traffic, one record per ms over the four partitions, drifting after 6 s.
            var traffic = DemoTraffic(seed: 31, driftAfter: 6_000)
            let one = try produceThenStandalone(&traffic, configuration, partitions: partitions, producer: producer)
            // Windows of 2 s every 1 s, from [0, 2 s) to [10 s, 12 s).
            try await AgentHarness.wait { one.windows.count >= 11 }
            try await AgentHarness.wait { aggregator.windows.count >= one.windows.count }
            let aggregatorMetrics = try await aggregator.scrape { _ in true }
            let published = [
                try await a.scrape { _ in true }, try await b.scrape { _ in true },
            ].map { Exposition.sample("driftwatch_pane_summaries_total{model=\"fraud-detector\",result=\"published\"}", in: $0) ?? 0 }
            for agent in [one, aggregator, a, b] { try await agent.stop() }

            let expected = one.windows.all
            let merged = aggregator.windows.all
            #expect(expected.count == 11)
            #expect(merged.map(\.report.start) == expected.map(\.report.start))
            #expect(merged.map(\.report.end) == expected.map(\.report.end))
            #expect(merged.map(\.report.records) == expected.map(\.report.records))
            for (window, single) in zip(merged, expected) {
                #expect(window.report.level == single.report.level)
                #expect(window.report.driftedFeatures.map(\.name) == single.report.driftedFeatures.map(\.name))
                #expect(window.state == single.state)
                for (feature, other) in zip(window.report.features, single.report.features) {
                    for (score, otherScore) in zip(feature.scores, other.scores) {
                        #expect(
                            abs(score.value - otherScore.value) <= 1e-9 * max(1, abs(otherScore.value)),
                            "window \(window.report.index) \(feature.name) \(score.method): \(score.value) vs \(otherScore.value)")
                    }
                    #expect(abs(feature.mean - other.mean) <= 1e-9 * max(1, abs(other.mean)) || (feature.mean.isNaN && other.mean.isNaN))
                }
            }
            // The same events, under the same ids: drift detected, then retraining requested.
            #expect(merged.flatMap(\.events).map(\.id) == expected.flatMap(\.events).map(\.id))
            #expect(expected.flatMap(\.events).map(\.kind) == [.driftDetected, .retrainingRequested])
            // Both members took part, and the aggregator merged every share once.
            #expect(published.allSatisfy { $0 > 0 }, "shares published per member: \(published)")
            let mergedShares = Exposition.sample("driftwatch_pane_summaries_total{model=\"fraud-detector\",result=\"merged\"}", in: aggregatorMetrics)
            #expect(mergedShares == published.reduce(0, +))
            #expect(Exposition.sample("driftwatch_pane_summaries_total{model=\"fraud-detector\",result=\"duplicate\"}", in: aggregatorMetrics) == 0)
        }

        @Test("Members join their own partitions' labels and share finished performance windows; the aggregator judges each as one agent reading every partition")
        func performanceShares() async throws {
            let partitions = 4
            let cluster = try AgentHarness.cluster(partitions: partitions)
            try cluster.createTopic("summaries", partitions: 2)
            // Labels keyed like the predictions: label i on the partition of record i.
            try cluster.createTopic("labels", partitions: partitions)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 1_000_000)
            configuration.models[0].window = WindowSettings(duration: "2s", slide: "1s", allowedLateness: "200ms")
            configuration.models[0].task = .binary
            var labels = LabelSettings(topic: "labels")
            labels.window = "2s"
            labels.maxDelay = "10m"
            configuration.models[0].labels = labels
            configuration.scaleOut.summariesTopic = "summaries"

            // Each member: two of the four partitions of the logs, and the same two of the labels.
            let (a, b, aggregator) = try await startGroup(configuration, split: [4, 4])

            // 12 s of labelled traffic whose quality drops after 6 s, its labels after it.
            var traffic = DemoTraffic(seed: 37, driftAfter: 6_000, labelled: true)
            let one = try produceThenStandalone(&traffic, configuration, partitions: partitions, producer: producer, labelsTopic: "labels")
            // Performance windows of 2 s: [0, 2 s) to [10 s, 12 s).
            try await AgentHarness.wait { one.performance.count >= 6 }
            try await AgentHarness.wait { aggregator.performance.count >= one.performance.count }
            let memberMetrics = [try await a.scrape { _ in true }, try await b.scrape { _ in true }]
            let aggregatorMetrics = try await aggregator.scrape { _ in true }
            for agent in [one, aggregator, a, b] { try await agent.stop() }

            let expected = one.performance.all
            let merged = aggregator.performance.all
            #expect(expected.count == 6 && expected.map(\.joined).reduce(0, +) == 12_000)
            #expect(merged.map(\.start) == expected.map(\.start))
            #expect(merged.map(\.joined) == expected.map(\.joined))
            for (window, single) in zip(merged, expected) {
                #expect(Set(window.values.keys) == Set(single.values.keys))
                for (metric, value) in single.values {
                    let other = window.values[metric] ?? .nan
                    #expect(abs(other - value) <= 1e-12 * max(1, abs(value)), "window \(window.start) \(metric): \(other) vs \(value)")
                }
                #expect(window.breaches.map(\.metric) == single.breaches.map(\.metric))
                #expect(window.state == single.state)
            }
            // The same events under the same ids: the quality dropped, then retraining requested.
            #expect(merged.flatMap(\.events).map(\.id) == expected.flatMap(\.events).map(\.id))
            #expect(expected.flatMap(\.events).map(\.kind) == [.performanceDegraded, .retrainingRequested])
            // Each member joined its own half of the predictions with their labels.
            let joined = memberMetrics.map { Exposition.sample("driftwatch_label_joins_total{model=\"fraud-detector\",outcome=\"joined\"}", in: $0) ?? 0 }
            #expect(joined.allSatisfy { $0 > 0 } && joined.reduce(0, +) == 12_000, "joined per member: \(joined)")
            #expect(Exposition.sample("driftwatch_pane_summaries_total{model=\"fraud-detector\",result=\"duplicate\"}", in: aggregatorMetrics) == 0)
        }
    }
}
