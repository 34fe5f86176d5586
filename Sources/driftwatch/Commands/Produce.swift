import Agent
import ArgumentParser
import Ingest

struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Produce the demo's synthetic inference logs to a topic.")

    @Option(help: "Kafka bootstrap servers.") var bootstrap: String
    @Option(help: "Topic.") var topic = "inference-logs"
    @Option(help: "Records per second (0 = as fast as possible).") var rate = 0
    @Option(help: "Records to produce.") var count = 100_000
    @Option(help: "Records before three features drift (default: never).") var driftAfter: Int?
    @Option(help: "Record format: json, protobuf (driftwatch.v1.InferenceLog), kserve (CloudEvents) or seldon (ModelInfer to the demo model's .inputs/.outputs topics).") var format: RecordDecoder.Format = .json

    func run() async throws {
        let produced = try await ProduceTraffic.run(
            bootstrap: bootstrap, topic: topic, rate: rate, count: count, driftAfter: driftAfter ?? .max, format: format)
        print("produced \(produced) records to \(topic)")
    }
}
