import Agent
import ArgumentParser

struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Produce the demo's synthetic inference logs to a topic.")

    @Option(help: "Kafka bootstrap servers.") var bootstrap: String
    @Option(help: "Topic.") var topic = "inference-logs"
    @Option(help: "Records per second (0 = as fast as possible).") var rate = 0
    @Option(help: "Records to produce.") var count = 100_000
    @Option(help: "Records before three features drift (default: never).") var driftAfter: Int?

    func run() async throws {
        let produced = try await ProduceTraffic.run(
            bootstrap: bootstrap, topic: topic, rate: rate, count: count, driftAfter: driftAfter ?? .max)
        print("produced \(produced) records to \(topic)")
    }
}
