import DriftMonitor
import KafkaIO

/// Everything `driftwatch hook` is told: where the events are, what to do with them, how
/// hard to try.
public struct HookSettings: Sendable {
    public var kafka: KafkaConfiguration
    public var topic: String
    public var group: String
    public var action: HookAction
    /// Event types that run the action; the others are committed and counted as ignored.
    public var types: Set<String> = [DriftEvent.Kind.retrainingRequested.rawValue]
    public var retry = RetryPolicy()
    /// Where events that were given up (or are not events) are recorded, with the reason in
    /// headers; nil records them in the log and the metrics only.
    public var failedTopic: String?
    /// Event ids remembered per partition for deduplication.
    public var rememberedIDs = 100
    /// The environment a command inherits.
    public var environment: [String: String] = [:]
    /// PEM certificates trusted for an https URL besides the system's (a cluster's own CA).
    public var trustedCertificatesFile: String?

    public init(kafka: KafkaConfiguration, topic: String, group: String = "driftwatch-hook", action: HookAction) {
        self.kafka = kafka
        self.topic = topic
        self.group = group
        self.action = action
    }

    public func validate() throws(HookSettingsError) {
        try retry.validate()
        if topic.isEmpty { throw .invalid("--topic", "is empty") }
        if group.isEmpty { throw .invalid("--group", "is empty") }
        if types.isEmpty { throw .invalid("--type", "names no event type") }
        switch action {
        case .command(let arguments):
            if arguments.isEmpty { throw .invalid("COMMAND", "give a command after --, or --url") }
        case .post(let url, _):
            guard let scheme = url.split(separator: ":").first?.lowercased(), scheme == "http" || scheme == "https" else {
                throw .invalid("--url", "\(url) is not an http or https URL")
            }
        case .mlflow:
            if (environment["MLFLOW_TRACKING_URI"] ?? "").isEmpty { throw .invalid("--mlflow", "needs the tracking server in MLFLOW_TRACKING_URI") }
        }
    }
}

/// A setting of the hook that cannot work, naming the option.
public enum HookSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String, String)

    public var description: String {
        switch self {
        case .invalid(let option, let problem): "\(option) \(problem)"
        }
    }
}
