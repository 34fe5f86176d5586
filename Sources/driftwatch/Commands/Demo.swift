import Agent
import ArgumentParser
import Ingest
import Logging

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embedded Kafka, synthetic traffic that drifts, and the agent, in one process.")

    @Option(help: "Seconds to run.") var duration = 60
    @Option(help: "Port of /metrics, /healthz and /readyz.") var httpPort = 9400
    @Option(help: "Records per second to produce.") var rate = 20_000
    @Option(help: "Records per window.") var windowRecords = 5_000
    @Option(help: "Seconds before three features start to drift (default: a third of the duration).") var driftAfter: Int?
    @Option(help: "Record format of the traffic: json, protobuf (driftwatch.v1.InferenceLog), kserve (CloudEvents, request and response) or seldon (ModelInfer on .inputs/.outputs).") var format: RecordDecoder.Format = .json
    @Option(help: "JSON traffic: records per second of a second model, a sentence encoder logging 384-dimensional embeddings whose topic mix shifts with the drift (0: none).") var embeddings = 0
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        guard duration > 0, rate > 0, windowRecords > 0 else { throw ValidationError("duration, rate and window records must be positive") }
        var options = Agent.Demo.Options()
        options.duration = .seconds(duration)
        options.httpPort = httpPort
        options.rate = rate
        options.windowRecords = windowRecords
        options.driftAfter = driftAfter.map { .seconds($0) }
        options.format = format
        guard embeddings >= 0 else { throw ValidationError("--embeddings must not be negative") }
        options.embeddingRate = embeddings > 0 ? embeddings : nil
        _ = try await Agent.Demo.run(options: options, logger: logging.logger(level: .warning))
    }
}
