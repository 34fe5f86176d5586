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

    @Option(help: "JSON only: records carry request ids and calibrated scores, and each record's true label goes to this topic after it (the labels stop following the scores after --drift-after).") var labelsTopic: String?

    func run() async throws {
        if labelsTopic != nil && format != .json { throw ValidationError("--labels-topic needs --format json") }
        let produced = try await ProduceTraffic.run(
            bootstrap: bootstrap, topic: topic, rate: rate, count: count, driftAfter: driftAfter ?? .max, format: format, labelsTopic: labelsTopic)
        print("produced \(produced) records to \(topic)\(labelsTopic.map { " and their labels to \($0)" } ?? "")")
    }
}
