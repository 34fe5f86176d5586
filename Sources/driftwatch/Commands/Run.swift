import Agent
import ArgumentParser
import FoundationEssentials
import Ingest
import KafkaIO
import Logging
import Telemetry

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Consume inference logs from Kafka and watch them for drift.")

    @Option(help: "YAML configuration file; flags override it.") var config: String?
    @Option(help: "Kafka bootstrap servers (HOST:PORT,...).") var bootstrap: String?
    @Option(help: "Topic to consume (repeatable).") var topic: [String] = []
    @Option(help: "Consumer group.") var group: String?
    @Option(help: "Record format of the topics: json, protobuf (driftwatch.v1.InferenceLog), kserve (CloudEvents), seldon (ModelInfer) or auto.") var format: RecordDecoder.Format?
    @Option(help: "Model name (with --reference: the one model to watch).") var model: String?
    @Option(help: "Reference profile (.json) or reference records (.jsonl) of --model.") var reference: String?
    @Option(help: "Records per window.") var windowRecords: Int?
    @Option(help: "Topic for drift and retraining events.") var eventsTopic: String?
    @Option(help: "Dead-letter topic for records that do not decode.") var dlqTopic: String?
    @Option(help: "Port of /metrics, /healthz and /readyz.") var httpPort: Int?
    @Flag(help: "Stop once every partition is read to its end.") var untilEnd = false
    @Option(help: "Scale-out role: standalone, member (send pane summaries) or aggregator (merge them and judge).") var role: ScaleOutSettings.Role?
    @Option(help: "Topic of the pane summaries (scale-out).") var summariesTopic: String?
    @OptionGroup var logging: LoggingOptions

    // A configuration run cannot start with, or that librdkafka refuses: one line and exit
    // status 2, so that a supervisor tells it from a crash (1) or a signal.
    func run() async throws {
        do {
            try await start()
        } catch let error as ConfigurationError {
            try refuse(error.description)
        } catch let error as KafkaError {
            try refuse(error.description)
        }
    }

    private func start() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration: AgentConfiguration
        if let config {
            configuration = try AgentConfiguration.load(path: config, environment: environment)
        } else {
            configuration = AgentConfiguration()
            configuration.applyEnvironment(environment)
        }
        if let bootstrap { configuration.kafka.bootstrap = bootstrap }
        if !topic.isEmpty { configuration.kafka.topics = topic }
        if let group { configuration.kafka.group = group }
        if let format { configuration.kafka.format = format }
        if let windowRecords { configuration.windowRecords = windowRecords }
        if let eventsTopic { configuration.kafka.eventsTopic = eventsTopic }
        if let dlqTopic { configuration.kafka.dlqTopic = dlqTopic }
        if let httpPort { configuration.httpPort = httpPort }
        if untilEnd { configuration.untilEnd = true }
        if let role { configuration.scaleOut.role = role }
        if let summariesTopic { configuration.scaleOut.summariesTopic = summariesTopic }
        if let logLevel = logging.logLevel { configuration.logLevel = logLevel }
        if let logFormat = logging.logFormat { configuration.logFormat = logFormat }
        switch (model, reference) {
        case (let model?, let reference?):
            if let index = configuration.models.firstIndex(where: { $0.name == model }) {
                configuration.models[index].reference = reference
            } else {
                configuration.models.append(.init(name: model, reference: reference))
            }
        case (nil, nil): break
        default: throw ValidationError("--model and --reference go together")
        }
        let logger = Logger.driftwatch(level: configuration.logLevel, format: configuration.logFormat)
        try await AgentRuntime.run(configuration: configuration, logger: logger)
    }

    private func refuse(_ reason: String) throws -> Never {
        StandardError.write("Error: \(reason)\n")
        throw ExitCode(2)
    }
}

extension RecordDecoder.Format: ExpressibleByArgument {}
