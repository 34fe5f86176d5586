import Agent
import DriftMonitor
import Foundation
import HTTP
import KafkaIO
import Logging
import ServiceLifecycle
import Telemetry
import TestSupport
import Testing

extension AgentOnKafka {
    /// The agent's delivery guarantees when the group changes, the broker goes away, or the
    /// agent is asked to stop: on the mock cluster, with real group rebalances.
    @Suite("Delivery across rebalances, outages and shutdown", .serialized)
    struct DeliveryTests {
        let logger: Logger = {
            var logger = Logger(label: "delivery")
            logger.logLevel = .warning
            return logger
        }()

        @Test("Two agents in one group, a member joining then leaving: every record in exactly one closed window")
        func rebalance() async throws {
            let partitions = 6
            let window = 1_000
            let cluster = try AgentHarness.cluster(partitions: partitions)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 11, driftAfter: .max)
            let configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: window)

            // Phase 1: agent A alone, 6 windows closed and 500 records in the open one.
            let first = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)
            try AgentHarness.produce(0..<6_500, of: &traffic, partitions: partitions, producer: producer)
            try await AgentHarness.wait { first.windows.count >= 6 }
            try #require(first.windows.count == 6)

            // Phase 2: agent B joins and the group splits the partitions. A's open window is
            // dropped and read again by whichever member owns its partitions now. (Records are
            // produced once the group is stable: the mock broker refuses a commit while the group
            // rebalances, where a real one takes the commit of the outgoing generation.)
            let second = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)
            // Traffic only once the join's rebalances are over (one took over a second in CI
            // under the full suite's load, and a join may bring two): a window closed inside one
            // would be counted again.
            try await AgentHarness.RunningAgent.awaitAssignment(of: [first, second]) { counts in
                counts[0] > 0 && counts[1] > 0 && counts[0] + counts[1] == partitions
            }
            var produced = 6_500
            for _ in 0..<10 {
                try AgentHarness.produce(produced..<produced + 1_000, of: &traffic, partitions: partitions, producer: producer)
                produced += 1_000
                try await Task.sleep(for: .milliseconds(200))
            }
            try await AgentHarness.wait { second.windows.count >= 2 }
            #expect(second.windows.count >= 2, "the joining member closed windows of its own")
            // A leaves only once both members have read everything: a window closed inside the
            // leave's rebalance has its commit refused by the mock broker (see phase 2), and
            // under CI's load the backlog was still being read when A stopped.
            func closed() -> Int { (first.windows.all + second.windows.all).map(\.report.records).reduce(0, +) }
            let producedBeforeLeaving = produced
            try await AgentHarness.wait { closed() > producedBeforeLeaving - 2 * window }
            // Time for the last windows' commits (reading the group's offsets would join the group).
            try await Task.sleep(for: .seconds(1))
            let firstBeforeLeaving = first.windows.count

            // Phase 3: A leaves; once its session expires, B takes A's partitions from A's commits.
            try await first.stop()
            try await AgentHarness.RunningAgent.awaitAssignment(of: [second]) { $0 == [partitions] }
            for _ in 0..<10 {
                try AgentHarness.produce(produced..<produced + 1_000, of: &traffic, partitions: partitions, producer: producer)
                produced += 1_000
                try await Task.sleep(for: .milliseconds(200))
            }
            // B has everything once it has closed all but the last (open) window.
            let total = produced
            try await AgentHarness.wait(for: .seconds(90)) { closed() > total - window }
            try await second.stop()

            let windows = first.windows.all + second.windows.all
            let committed = try AgentHarness.committed(cluster, partitions: partitions, logger: logger)
            AgentHarness.expectCoverage(of: windows, committed: committed)
            #expect(windows.map(\.report.records).reduce(0, +) == Int(committed.reduce(0, +)))
            #expect(closed() > total - window, "B read A's partitions after A left: \(closed()) of \(total) records in closed windows")
            #expect(firstBeforeLeaving > 6)
            // Clean traffic: no event from either member.
            #expect(windows.allSatisfy { $0.events.isEmpty })
        }

        /// One agent with windows of 1,000 records on a fresh cluster, and clean traffic for it.
        final class CleanStream {
            let cluster: MockCluster
            let producer: KafkaProducer
            let partitions: Int
            let agent: AgentHarness.RunningAgent
            private var traffic: DemoTraffic

            init(partitions: Int, seed: UInt64, logger: Logger) throws {
                cluster = try AgentHarness.cluster(partitions: partitions)
                producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
                traffic = DemoTraffic(seed: seed, driftAfter: .max)
                self.partitions = partitions
                agent = try AgentHarness.RunningAgent(
                    configuration: AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: 1_000), logger: logger)
            }

            func produce(_ range: Range<Int>) throws {
                try AgentHarness.produce(range, of: &traffic, partitions: partitions, producer: producer)
            }
        }

        @Test("Broker down then up: /readyz reports the outage, the agent recovers and loses nothing")
        func brokerOutage() async throws {
            let stream = try CleanStream(partitions: 2, seed: 12, logger: logger)
            let (cluster, agent) = (stream.cluster, stream.agent)
            try stream.produce(0..<3_000)
            try await AgentHarness.wait { agent.windows.count >= 3 && agent.readiness.state.ready }
            #expect(try await agent.get("/readyz").status == 200)

            try cluster.setBrokerDown()
            try await AgentHarness.wait(for: .seconds(30)) { !agent.readiness.state.ready }
            let during = try await agent.get("/readyz")
            #expect(during.status == 503)
            #expect(during.body.contains("kafka unreachable"), "\(during.body)")
            #expect(try await agent.get("/healthz").status == 200, "an outage is not a reason to restart the agent")

            try cluster.setBrokerUp()
            try stream.produce(3_000..<6_000)
            try await AgentHarness.wait(for: .seconds(60)) { agent.windows.count >= 6 && agent.readiness.state.ready }
            #expect(try await agent.get("/readyz").status == 200)
            try await agent.stop()

            let windows = agent.windows.all
            #expect(windows.count == 6)
            let committed = try AgentHarness.committed(cluster, partitions: 2, logger: logger)
            #expect(committed.reduce(0, +) == 6_000)
            AgentHarness.expectCoverage(of: windows, committed: committed)
        }

        @Test("Graceful shutdown: /readyz goes 503 first, then the complete windows' offsets are committed")
        func gracefulShutdown() async throws {
            let stream = try CleanStream(partitions: 1, seed: 13, logger: logger)
            let (cluster, agent) = (stream.cluster, stream.agent)
            try stream.produce(0..<2_500)
            try await AgentHarness.wait { agent.windows.count >= 2 }

            // A slow broker keeps the drain (its final commit) going while /readyz is asked.
            try cluster.setRoundTripTime(1_500)
            await agent.group.triggerGracefulShutdown()
            let draining = try await agent.get("/readyz")
            #expect(draining.status == 503)
            #expect(draining.body.contains("shutting down"), "\(draining.body)")
            try await agent.running.value
            try cluster.setRoundTripTime(0)

            // Two complete windows; the 500 records of the open one are read again by the next start.
            #expect(agent.windows.count == 2)
            #expect(try AgentHarness.committed(cluster, partitions: 1, logger: logger) == [2_000])
        }
    }
}
