import Agent
import ArgumentParser
import FoundationEssentials
import Hook
import KafkaIO

struct HookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Run a command, POST to a URL, or write to MLflow, for each retraining event on the events topic.",
        discussion: """
            The command gets the event's JSON on stdin and DRIFTWATCH_EVENT_ID, DRIFTWATCH_EVENT_TYPE, \
            DRIFTWATCH_MODEL, DRIFTWATCH_REFERENCE_VERSION, DRIFTWATCH_WINDOW_START, DRIFTWATCH_WINDOW_END, \
            DRIFTWATCH_WINDOW_RECORDS, DRIFTWATCH_FEATURES (comma-separated) and DRIFTWATCH_ATTEMPT in its \
            environment; exit status 0 is success. Each event id runs once; offsets are committed after the \
            action succeeded or was given up. With --mlflow, each event's registered model version \
            (data.model_version) gets the tags driftwatch.last_event_id, driftwatch.drifted_features and \
            driftwatch.last_drift_at, and the experiment driftwatch-<model> a run with the evidence, once per event id; \
            the tracking server comes from MLFLOW_TRACKING_URI.
            """)

    @Option(help: "Kafka bootstrap servers (HOST:PORT,...); default $DRIFTWATCH_KAFKA_BOOTSTRAP.") var bootstrap: String?
    @Option(help: "The events topic.") var topic = "driftwatch.events"
    @Option(help: "Consumer group of the hooks.") var group = "driftwatch-hook"
    @Option(help: "Event type that runs the action (repeatable).") var type: [String] = ["dev.driftwatch.retraining.requested"]
    @Option(help: "POST each event to this URL instead of running a command.") var url: String?
    @Flag(help: "Tag the event's MLflow model version and log a run with its evidence, instead of running a command.") var mlflow = false
    @Option(help: "HTTP header NAME:VALUE for --url (repeatable); $DRIFTWATCH_HOOK_AUTHORIZATION sets Authorization.") var header: [String] = []
    @Option(help: "PEM certificates to trust for an https --url, besides the system's (a cluster's CA).") var urlCaFile: String?
    @Option(help: "Attempts per event, the first included.") var attempts = 5
    @Option(help: "Seconds before the first retry; doubles each time.") var backoff = 1.0
    @Option(help: "Longest wait between attempts, in seconds.") var maxBackoff = 60.0
    @Option(help: "Seconds one attempt may take.") var timeout = 300.0
    @Option(help: "Topic for events given up or unreadable (with the reason in headers).") var failedTopic: String?
    @Option(help: "librdkafka property KEY=VALUE (repeatable); also $DRIFTWATCH_KAFKA_PROPERTY_<NAME>.") var kafkaProperty: [String] = []
    @Option(help: "Port of /metrics, /healthz and /readyz.") var httpPort = 9401
    @Flag(help: "Stop once every partition is read to its end (for a Job or CronJob).") var untilEnd = false
    @OptionGroup var logging: LoggingOptions
    @Argument(parsing: .postTerminator, help: "The command to run per event, after --.") var command: [String] = []

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // The same environment overrides as the agent: bootstrap, group and librdkafka properties.
        var agent = AgentConfiguration()
        agent.kafka.bootstrap = ""
        agent.applyEnvironment(environment)
        guard let servers = bootstrap ?? (agent.kafka.bootstrap.isEmpty ? nil : agent.kafka.bootstrap) else {
            throw ValidationError("give --bootstrap or DRIFTWATCH_KAFKA_BOOTSTRAP")
        }
        var kafka = KafkaConfiguration(bootstrapServers: servers)
        for (key, value) in agent.kafka.properties.sorted(by: { $0.key < $1.key }) { kafka[key] = value }
        for property in kafkaProperty {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw ValidationError("--kafka-property \(property): expected KEY=VALUE")
            }
            kafka[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        let action: HookAction
        switch (url, command.isEmpty) {
        case _ where mlflow:
            guard url == nil && command.isEmpty else { throw ValidationError("give one of --mlflow, --url or a command") }
            action = .mlflow
        case (let url?, true):
            var headers: [String: String] = [:]
            if let authorization = environment["DRIFTWATCH_HOOK_AUTHORIZATION"] { headers["Authorization"] = authorization }
            for line in header {
                guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                    throw ValidationError("--header \(line): expected NAME:VALUE")
                }
                headers[String(line[..<colon])] = String(line[line.index(after: colon)...].trimmingWhitespace)
            }
            action = .post(url: url, headers: headers)
        case (nil, false):
            action = .command(command)
        case (nil, true):
            throw ValidationError("give a command after --, or --url")
        case (_?, false):
            throw ValidationError("give a command or --url, not both")
        }
        if let problem = TopicName.problem(topic) { throw ValidationError("--topic: \(problem)") }
        guard !group.isEmpty else { throw ValidationError("--group is empty") }
        var settings = HookSettings(kafka: kafka, topic: topic, group: group, action: action)
        settings.types = Set(type)
        // Durations become whole milliseconds: a value past a year of seconds (or NaN) is a
        // mistake, refused here rather than trapping in the conversion.
        for (name, seconds) in [("--backoff", backoff), ("--max-backoff", maxBackoff), ("--timeout", timeout)]
        where !(seconds.magnitude < 31_536_000) {
            throw ValidationError("\(name) \(seconds): expected seconds, below a year")
        }
        settings.retry = RetryPolicy(
            attempts: attempts, initialBackoff: .milliseconds(Int64(backoff * 1000)), maximumBackoff: .milliseconds(Int64(maxBackoff * 1000)),
            attemptTimeout: .milliseconds(Int64(timeout * 1000)))
        settings.failedTopic = failedTopic
        settings.trustedCertificatesFile = urlCaFile
        settings.environment = environment
        do {
            try settings.validate()
        } catch {
            throw ValidationError(error.description)
        }
        try await HookService.run(settings: settings, httpPort: httpPort, untilEnd: untilEnd, logger: logging.logger())
    }
}

extension Substring {
    /// Without the whitespace at either end (a header's value, as curl's `-H` takes it).
    fileprivate var trimmingWhitespace: Substring {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return self[first...last]
    }
}
