import Agent
import ArgumentParser
import KafkaIO
#if canImport(Glibc)
import Glibc
#endif

struct DevBroker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker", abstract: "Run librdkafka's mock Kafka cluster as a local development broker.")

    @Option(help: "Topic to create, as NAME:PARTITIONS (repeatable).") var topic: [String] = ["inference-logs:3", "driftwatch.events:1", "driftwatch.dlq:1"]
    @Option(help: "Brokers in the cluster.") var brokers = 1

    func run() async throws {
        let cluster = try MockCluster(brokers: brokers)
        for spec in topic {
            let parts = spec.split(separator: ":")
            guard parts.count <= 2, let name = parts.first, let partitions = parts.count == 2 ? Int(parts[1]) : 1, partitions > 0 else {
                throw ValidationError("--topic takes NAME:PARTITIONS, not '\(spec)'")
            }
            try cluster.createTopic(String(name), partitions: partitions)
        }
        print("bootstrap.servers=\(cluster.bootstrapServers)")
        print("topics: \(topic.joined(separator: " ")); Ctrl-C to stop")
        fflush(nil)  // scripts read the address from a pipe
        try await DevBrokerLifetime.waitForSignal()
        withExtendedLifetime(cluster) {}
    }
}
