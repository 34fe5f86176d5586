import DriftMonitor
import FoundationEssentials
import Ingest
import KafkaIO
import Registry
import Logging
import Telemetry

/// Everything `driftwatch run` needs: read from YAML, then overridden by flags.
public struct AgentConfiguration: Sendable, Codable, Hashable {
    public struct Kafka: Sendable, Codable, Hashable {
        public var bootstrap: String = "localhost:9092"
        public var topics: [String] = ["inference-logs"]
        public var group: String = "driftwatch"
        public var eventsTopic: String = "driftwatch.events"
        public var dlqTopic: String = "driftwatch.dlq"
        /// Extra librdkafka properties (tuning); they override those ``security`` sets.
        public var properties: [String: String] = [:]
        public var security = KafkaSecurity()
        /// How records are written: `json` (default), `protobuf` (driftwatch.v1.InferenceLog),
        /// `kserve` (inference-logger CloudEvents), `seldon` (Seldon Core v2 topics) or `auto`.
        public var format: RecordDecoder.Format = .json
        /// Per-topic formats, for topics that differ from ``format``.
        public var topicFormats: [String: RecordDecoder.Format] = [:]

        /// The format of one topic's records.
        public func format(of topic: String) -> RecordDecoder.Format { topicFormats[topic] ?? format }

        /// The librdkafka properties of the agent's clients: bootstrap, security, then the
        /// explicit properties, which override what the security settings derive.
        func clientConfiguration() throws -> KafkaConfiguration {
            var client = KafkaConfiguration(bootstrapServers: bootstrap)
            for (key, value) in try security.properties().sorted(by: { $0.key < $1.key }) { client[key] = value }
            for (key, value) in properties.sorted(by: { $0.key < $1.key }) { client[key] = value }
            return client
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bootstrap, topics, group, properties, format, security
            case topicFormats = "topic_formats"
            case eventsTopic = "events_topic"
            case dlqTopic = "dlq_topic"
        }

        public init() {}

        /// Every key is optional; a missing key keeps its default.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Kafka()
            bootstrap = try container.decodeIfPresent(String.self, forKey: .bootstrap) ?? defaults.bootstrap
            topics = try container.decodeIfPresent([String].self, forKey: .topics) ?? defaults.topics
            group = try container.decodeIfPresent(String.self, forKey: .group) ?? defaults.group
            eventsTopic = try container.decodeIfPresent(String.self, forKey: .eventsTopic) ?? defaults.eventsTopic
            dlqTopic = try container.decodeIfPresent(String.self, forKey: .dlqTopic) ?? defaults.dlqTopic
            properties = try container.decodeIfPresent([String: String].self, forKey: .properties) ?? defaults.properties
            security = try container.decodeIfPresent(KafkaSecurity.self, forKey: .security) ?? defaults.security
            format = try container.decodeIfPresent(RecordDecoder.Format.self, forKey: .format) ?? defaults.format
            topicFormats = try container.decodeIfPresent([String: RecordDecoder.Format].self, forKey: .topicFormats) ?? defaults.topicFormats
        }
    }

    public struct Model: Sendable, Codable, Hashable {
        public var name: String
        /// A reference profile (`.json`, from `driftwatch profile`) or reference records (`.jsonl`).
        public var reference: String
        public var policy: DriftPolicy?
        /// Kinds declared per field, over those the reference was profiled with:
        /// `numeric`, `categorical`, `boolean` or `ignored`.
        public var schema: [String: DeclaredKind]
        /// How the model's records are cut into windows; tumbling windows of the agent's
        /// `window_records` when nil.
        public var window: WindowSettings?
        /// The names (JSON model field, message key or header, after `route_by`) that route a
        /// record to this model; its own name when empty.
        public var match: [String]
        /// When the file at ``reference`` does not exist: profile the first this many records
        /// of the model's stream, write the profile there, and monitor the records after them.
        public var bootstrapRecords: Int?
        /// Watch each value of the message key (`key`), a header (`header:NAME`) or a top-level
        /// JSON field (`field:NAME`), such as a model version or a tenant, as its own model
        /// `NAME/VALUE`.
        public var segmentBy: SegmentSource?
        /// The most segments with their own monitor; records of later ones stay with the model's.
        public var maxSegments: Int = 20
        /// What the model predicts; with ``labels``, its performance is watched too.
        public var task: ModelTask?
        /// The record's key holding the prediction: the positive class's probability
        /// (binary), the class (multiclass) or the value (regression).
        public var predictionField = "prediction"
        /// Binary: a score at or above it predicts the positive class.
        public var decisionThreshold = 0.5
        public var labels: LabelSettings?

        public init(
            name: String, reference: String, policy: DriftPolicy? = nil, schema: [String: DeclaredKind] = [:], window: WindowSettings? = nil,
            match: [String] = []
        ) {
            self.name = name
            self.reference = reference
            self.policy = policy
            self.schema = schema
            self.window = window
            self.match = match
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, reference, policy, schema, window, match
            case bootstrapRecords = "bootstrap_records"
            case segmentBy = "segment_by"
            case maxSegments = "max_segments"
            case task
            case predictionField = "prediction_field"
            case decisionThreshold = "decision_threshold"
            case labels
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            reference = try container.decode(String.self, forKey: .reference)
            policy = try container.decodeIfPresent(DriftPolicy.self, forKey: .policy)
            schema = try container.decodeIfPresent([String: DeclaredKind].self, forKey: .schema) ?? [:]
            window = try container.decodeIfPresent(WindowSettings.self, forKey: .window)
            match = try container.decodeIfPresent([String].self, forKey: .match) ?? []
            bootstrapRecords = try container.decodeIfPresent(Int.self, forKey: .bootstrapRecords)
            segmentBy = try container.decodeParsed(forKey: .segmentBy, SegmentSource.parse)
            maxSegments = try container.decodeIfPresent(Int.self, forKey: .maxSegments) ?? 20
            task = try container.decodeChoice(ModelTask.self, forKey: .task)
            predictionField = try container.decodeIfPresent(String.self, forKey: .predictionField) ?? "prediction"
            decisionThreshold = try container.decodeIfPresent(Double.self, forKey: .decisionThreshold) ?? 0.5
            labels = try container.decodeIfPresent(LabelSettings.self, forKey: .labels)
        }

        /// The model's windows, with the agent's `window_records` as the default size.
        public func windowSpec(defaultRecords: Int) throws(PolicyError) -> WindowSpec {
            try (window ?? WindowSettings()).spec(defaultRecords: defaultRecords)
        }

        public var declaredSchema: DeclaredSchema { DeclaredSchema(schema) }
    }

    public var kafka = Kafka()
    public var httpPort: Int = 9400
    public var windowRecords: Int = 10_000
    public var models: [Model] = []
    /// Stop once every assigned partition is read to its end.
    public var untilEnd: Bool = false
    public var logLevel: Logger.Level = .info
    /// The feature of each column of an inference tensor, by tensor name (`instances`,
    /// `predictions` for KServe v1; the tensor's `name` for Open Inference Protocol v2).
    public var tensors: [String: [String]] = [:]
    /// How long a request waits for its response before it is monitored alone.
    public var joinTimeoutMilliseconds: Int = 30_000
    /// Event-time windows: how long a partition with no new record still holds windows back
    /// (its records could still come); after it, the partition is idle until it has records again.
    public var idlePartitionMilliseconds: Int = 10_000
    /// The top-level keys of JSON records that are not features.
    public var jsonFields = JSONFields()
    /// Where a record's model name comes from: `field` (the record's own: JSON `model`, the
    /// CloudEvent's service, the Seldon topic), `key` (the Kafka message key) or `header:NAME`.
    public var routeBy: Routing = .field
    /// How often reference files are checked for a change (0: on SIGHUP only).
    public var referenceReloadSeconds: Double = 10
    public var logFormat: LogFormat = .text
    public var metrics = Metrics()
    public var scaleOut = ScaleOutSettings()

    /// The cardinality limits of `/metrics`.
    public struct Metrics: Sendable, Codable, Hashable {
        /// Models with series; later models in `models:` are monitored but export none.
        public var maxModels: Int = 100
        /// Features with series per model, in schema order.
        public var maxFeatures: Int = 500

        public var limits: CardinalityLimits { CardinalityLimits(models: maxModels, featuresPerModel: maxFeatures) }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxModels = "max_models"
            case maxFeatures = "max_features"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            maxModels = try container.decodeIfPresent(Int.self, forKey: .maxModels) ?? 100
            maxFeatures = try container.decodeIfPresent(Int.self, forKey: .maxFeatures) ?? 500
        }
    }

    /// Where the segmented models' segments come from (one source for all), if any is segmented.
    public func segmentSource() throws -> Routing? {
        let sources = Set(models.compactMap(\.segmentBy))
        guard let source = sources.first else { return nil }
        guard sources.count == 1 else {
            throw ConfigurationError(
                description: "models segment by \(sources.map(\.description).sorted().joined(separator: " and ")); one segment_by serves every model")
        }
        if case .field(let field) = source, jsonFields.roles.contains(field) {
            throw ConfigurationError(description: "segment_by '\(source)' must name a field other than the record's features, model, timestamp or request id")
        }
        return source.routing
    }

    /// The JSON fields the decoder reads, with the segment field when models are segmented by one.
    public var decodedJSONFields: JSONFields {
        var fields = jsonFields
        fields.segment = models.lazy.compactMap { if case .field(let name) = $0.segmentBy { name } else { nil } }.first
        fields.segmentMetadata = models.lazy.compactMap { if case .metadata(let name) = $0.segmentBy { name } else { nil } }.first
        // Models with labels: the prediction, and a label a later copy of the record may carry.
        if let model = models.first(where: { $0.labels != nil }) {
            fields.prediction = model.predictionField
            fields.label = model.labels?.labelField
        }
        return fields
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kafka, models, tensors
        case joinTimeoutMilliseconds = "join_timeout_ms"
        case idlePartitionMilliseconds = "idle_partition_ms"
        case jsonFields = "json_fields"
        case httpPort = "http_port"
        case windowRecords = "window_records"
        case untilEnd = "until_end"
        case logLevel = "log_level"
        case routeBy = "route_by"
        case referenceReloadSeconds = "reference_reload_seconds"
        case logFormat = "log_format"
        case metrics
        case scaleOut = "scale_out"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AgentConfiguration()
        kafka = try container.decodeIfPresent(Kafka.self, forKey: .kafka) ?? defaults.kafka
        httpPort = try container.decodeIfPresent(Int.self, forKey: .httpPort) ?? defaults.httpPort
        windowRecords = try container.decodeIfPresent(Int.self, forKey: .windowRecords) ?? defaults.windowRecords
        models = try container.decodeIfPresent([Model].self, forKey: .models) ?? defaults.models
        untilEnd = try container.decodeIfPresent(Bool.self, forKey: .untilEnd) ?? defaults.untilEnd
        logLevel = try container.decodeChoice(Logger.Level.self, forKey: .logLevel) ?? defaults.logLevel
        tensors = try container.decodeIfPresent([String: [String]].self, forKey: .tensors) ?? defaults.tensors
        joinTimeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .joinTimeoutMilliseconds) ?? defaults.joinTimeoutMilliseconds
        idlePartitionMilliseconds = try container.decodeIfPresent(Int.self, forKey: .idlePartitionMilliseconds) ?? defaults.idlePartitionMilliseconds
        jsonFields = try container.decodeIfPresent(JSONFields.self, forKey: .jsonFields) ?? defaults.jsonFields
        routeBy = try container.decodeParsed(forKey: .routeBy, Routing.parse) ?? defaults.routeBy
        referenceReloadSeconds = try container.decodeIfPresent(Double.self, forKey: .referenceReloadSeconds) ?? defaults.referenceReloadSeconds
        logFormat = try container.decodeChoice(LogFormat.self, forKey: .logFormat) ?? defaults.logFormat
        metrics = try container.decodeIfPresent(Metrics.self, forKey: .metrics) ?? defaults.metrics
        scaleOut = try container.decodeIfPresent(ScaleOutSettings.self, forKey: .scaleOut) ?? defaults.scaleOut
    }

    static let longestReloadSeconds: Double = 365 * 86_400

    /// Checks the values make sense; returns the problems found.
    public func validate() throws {
        var problems: [String] = []
        if kafka.topics.isEmpty { problems.append("kafka.topics is empty") }
        for topic in kafka.topics {
            if let problem = TopicName.problem(topic) { problems.append("kafka.topics: \(problem)") }
        }
        if kafka.group.isEmpty { problems.append("kafka.group is empty") }
        if kafka.bootstrap.isEmpty { problems.append("kafka.bootstrap is empty") }
        problems += kafka.security.problems()
        if windowRecords < 1 { problems.append("window_records must be at least 1") }
        // Converted to whole milliseconds: past a year (or infinite) it would trap.
        if !(0...Self.longestReloadSeconds).contains(referenceReloadSeconds) {
            problems.append("reference_reload_seconds must be within 0...\(Int(Self.longestReloadSeconds)) (a year), got \(referenceReloadSeconds)")
        }
        if joinTimeoutMilliseconds < 0 { problems.append("join_timeout_ms must not be negative") }
        if idlePartitionMilliseconds < 0 { problems.append("idle_partition_ms must not be negative") }
        if !(0...65535).contains(httpPort) { problems.append("http_port \(httpPort) is not a port") }
        if metrics.maxModels < 1 { problems.append("metrics.max_models must be at least 1") }
        if metrics.maxFeatures < 0 { problems.append("metrics.max_features must not be negative") }
        if models.isEmpty { problems.append("no model to monitor: add models: or pass --model and --reference") }
        for model in models {
            do {
                try (model.policy ?? DriftPolicy()).validate()
                _ = try model.windowSpec(defaultRecords: max(1, windowRecords))
                if let records = model.bootstrapRecords {
                    if records < 2 { problems.append("model \(model.name): bootstrap_records must be at least 2") }
                    for topic in kafka.topics where kafka.format(of: topic) != .json {
                        problems.append("model \(model.name): bootstrap_records reads JSON records, and topic \(topic) is \(kafka.format(of: topic).rawValue)")
                    }
                }
            } catch {
                problems.append("model \(model.name): \(error)")
            }
        }
        if Set(models.map(\.name)).count != models.count { problems.append("two models share a name") }
        var routedTo: [String: String] = [:]
        for model in models {
            for name in model.match.isEmpty ? [model.name] : model.match {
                if let other = routedTo.updateValue(model.name, forKey: name), other != model.name {
                    problems.append("'\(name)' routes to both \(other) and \(model.name)")
                }
            }
        }
        do {
            if try segmentSource() != nil && scaleOut.role != .standalone {
                problems.append("segment_by and scale_out.role \(scaleOut.role) do not go together yet: segments are watched by standalone agents")
            }
        } catch {
            problems.append("\(error)")
        }
        for model in models where ModelURI.isModelURI(model.reference) {
            do {
                _ = try ModelURI(parsing: model.reference)
            } catch {
                problems.append("model \(model.name): \(error)")
            }
            if model.bootstrapRecords != nil {
                problems.append("model \(model.name): bootstrap_records writes a reference file, and a models:/ reference is read from the registry")
            }
        }
        for model in models {
            switch (model.task, model.labels) {
            case (nil, _?): problems.append("model \(model.name): labels need task (binary, multiclass or regression)")
            case (_?, let labels?):
                problems += labels.problems(model: model.name)
                if !(0...1).contains(model.decisionThreshold) { problems.append("model \(model.name): decision_threshold must be within 0...1") }
                if model.segmentBy != nil { problems.append("model \(model.name): labels and segment_by do not go together yet") }
                // Members join labels with the predictions of their own partitions: the group
                // must give each member the same partitions of the labels topic (range does).
                if scaleOut.role == .member, let strategy = kafka.properties["partition.assignment.strategy"],
                    strategy.split(separator: ",").first.map({ String($0.filter { !$0.isWhitespace }) }) != "range"
                {
                    problems.append(
                        "model \(model.name): members join labels with their own partitions' predictions, which needs partition.assignment.strategy range (co-partitioned topics), not \(strategy)")
                }
            default: break
            }
        }
        let predictionFields = Set(models.filter { $0.labels != nil }.map(\.predictionField))
        if predictionFields.count > 1 {
            problems.append("models with labels read their predictions from one key: prediction_field differs (\(predictionFields.sorted().joined(separator: ", ")))")
        }
        for model in models where model.segmentBy != nil && model.maxSegments < 1 {
            problems.append("model \(model.name): max_segments must be at least 1")
        }
        let roles = jsonFields.roles
        for model in models {
            for (field, kind) in model.schema.sorted(by: { $0.key < $1.key }) where kind != .ignored && roles.contains(field) {
                problems.append("model \(model.name): schema declares '\(field)', which json_fields reads as the record's features, model, timestamp or request id")
            }
        }
        if scaleOut.role != .standalone {
            if scaleOut.summariesTopic.isEmpty { problems.append("scale_out.summaries_topic is empty") }
            for model in models where model.window?.duration == nil {
                problems.append("model \(model.name): scale_out.role \(scaleOut.role) needs event-time windows (window.duration): record-count windows of different agents do not line up")
            }
        }
        for topic in kafka.topicFormats.keys.sorted() where !kafka.topics.contains(topic) {
            problems.append("kafka.topic_formats names '\(topic)', which is not in kafka.topics")
        }
        if !problems.isEmpty { throw ConfigurationError(description: problems.joined(separator: "; ")) }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }

    /// Where in the document a decoding error is.
    static func codingPath(of error: DecodingError) -> [any CodingKey] {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context), .keyNotFound(_, let context):
            context.codingPath
        @unknown default:
            []
        }
    }

    /// - Parameter node: the node the error is about, when known: a wrong type is said with
    ///   what was found there.
    static func describe(_ error: DecodingError, at node: YAMLNode? = nil) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            guard let node, let expected = expectation(of: type) else { return "\(path(context)): \(context.debugDescription)" }
            return "\(path(context)): expected \(expected), found \(found(node))"
        case .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing key '\(key.stringValue)'"
        @unknown default:
            return "\(error)"
        }
    }

    private static func expectation(of type: Any.Type) -> String? {
        switch type {
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type, is UInt32.Type: "a whole number (digits, no exponent)"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        case is YAMLNode.Scalar.Type: "a single value"
        case is YAMLNode.Sequence.Type: "a list"
        case is YAMLNode.Mapping.Type: "a mapping"
        default: nil
        }
    }

    /// What a node holds, for an error: a scalar's text (cut at 40 characters), or its kind.
    private static func found(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            let shown = text.unicodeScalars.prefix(40).map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined()
            return "'\(shown)\(text.unicodeScalars.count > 40 ? "…" : "")'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
