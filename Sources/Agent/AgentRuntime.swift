import DriftMonitor
import FoundationEssentials
import HTTP
import Ingest
import KafkaIO
import Logging
import Registry
import ServiceLifecycle
import Telemetry
import UnixSignals

/// Assembles the agent from its configuration: references, monitors, Kafka clients, the
/// HTTP server and the pipeline, as services for one `ServiceGroup`.
public enum AgentRuntime {
    public static var version: String { BuildInfo.version }

    /// Loads a reference: a profile (`.json`) or reference records (`.jsonl`, `.csv`) profiled
    /// now, with the declared schema and JSON records read with the topics' `fields`.
    public static func loadReference(
        path: String, model: String?, policy: DriftPolicy = DriftPolicy(), schema: DeclaredSchema = DeclaredSchema(),
        fields: JSONFields = JSONFields()
    ) throws -> ReferenceProfile {
        if path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") || path.hasSuffix(".csv") {
            return try RecordFormat.open(path: path, fields: fields).profile(model: model, bins: policy.bins, schema: schema).profile
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(description: "\(path): cannot read the reference profile")
        }
        let profile: ReferenceProfile
        do {
            profile = try JSONDecoder().decode(ReferenceProfile.self, from: data)
        } catch let error as DecodingError {
            throw ConfigurationError(description: "\(path): not a reference profile: \(ConfigurationError.describe(error))")
        }
        guard profile.format == ReferenceProfile.currentFormat else {
            throw ConfigurationError(description: "\(path): reference format \(profile.format) is not \(ReferenceProfile.currentFormat)")
        }
        return profile
    }

    /// A model's reference as its monitor uses it: loaded, then conformed to its declared schema.
    public static func loadReference(of model: AgentConfiguration.Model, fields: JSONFields) throws -> ReferenceProfile {
        let loaded = try loadReference(
            path: model.reference, model: model.name, policy: model.policy ?? DriftPolicy(), schema: model.declaredSchema, fields: fields)
        do {
            return try model.declaredSchema.conform(loaded).profile
        } catch {
            throw ConfigurationError(description: "model \(model.name) (reference \(model.reference)): \(error)")
        }
    }

    /// What each model with labels starts from: its settings and the labels and predictions
    /// of its reference records (`reference` must be a `.jsonl` or `.csv` file of records
    /// carrying the label under `labels.label_field` and the prediction under `prediction_field`).
    static func performanceInputs(
        of configuration: AgentConfiguration, labelled: [String: LabelledPredictions]
    ) throws -> [String: PerformanceTracker.Input] {
        var inputs: [String: PerformanceTracker.Input] = [:]
        for model in configuration.models {
            guard let task = model.task, let labels = model.labels else { continue }
            let path = model.reference
            var classes = ClassIndex()
            let reference: LabelledPredictions
            if let given = labelled[model.name] {
                reference = given
            } else {
                guard path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") || path.hasSuffix(".csv") else {
                    throw ConfigurationError(description: "model \(model.name): labels need reference records with labels (.jsonl or .csv), not \(path)")
                }
                reference = try RecordFormat.open(path: path, fields: configuration.jsonFields)
                    .labelledPredictions(task: task, labelField: labels.labelField, predictionField: model.predictionField, classes: &classes)
            }
            guard reference.labelled > 0 else {
                throw ConfigurationError(description: "model \(model.name): no record of \(path) has both '\(labels.labelField)' and '\(model.predictionField)'")
            }
            var labelFields = JSONFields()
            labelFields.requestID = labels.idField
            labelFields.label = labels.labelField
            labelFields.metadata = []
            let settings = PerformanceTracker.Settings(
                task: task, decisionThreshold: model.decisionThreshold, labelsTopic: labels.topic, labelFields: labelFields, labelFormat: labels.format,
                maxDelayMilliseconds: try labels.maxDelayMilliseconds, windowMilliseconds: try labels.windowMilliseconds,
                maxWaiting: labels.maxWaiting, policy: model.policy ?? DriftPolicy())
            inputs[model.name] = PerformanceTracker.Input(settings: settings, reference: reference, classes: classes)
        }
        return inputs
    }

    /// The services of a running agent, in start order (HTTP first, so it stops last).
    /// - Parameter labelled: per model with labels, its labelled reference when not read from its reference file.
    public static func makeServices(
        configuration: AgentConfiguration, references: [String: ReferenceProfile], labelled: [String: LabelledPredictions] = [:],
        catalogue: MetricCatalogue, readiness: Readiness, logger: Logger, referenceUpdates: ReferenceUpdates? = nil,
        observer: @escaping @Sendable (Pipeline.WindowOutcome) -> Void = { _ in },
        performanceObserver: (@Sendable (Pipeline.PerformanceOutcome) -> Void)? = nil
    ) throws -> (http: HTTPServer, pipeline: PipelineService) {
        let performance = try performanceInputs(of: configuration, labelled: labelled)
        var space = FeatureSpace()
        var references = references
        var booleans: [String] = []
        for model in configuration.models {
            guard let reference = references[model.name] else {
                throw ConfigurationError(description: "model \(model.name) has no reference")
            }
            do {
                let conformed = try model.declaredSchema.conform(reference)
                references[model.name] = conformed.profile
                booleans += conformed.booleans
                try space.declare(conformed.profile.schema)
            } catch {
                throw ConfigurationError(description: "model \(model.name) (reference \(model.reference)): \(error)")
            }
        }
        for name in booleans { try space.markBoolean(name) }
        let monitored = Set(space.features.map(\.name))
        let ignored = Set(configuration.models.flatMap(\.declaredSchema.ignored)).subtracting(monitored)
        for (tensor, features) in configuration.tensors.sorted(by: { $0.key < $1.key }) {
            for feature in features where space.slot(of: feature) == nil {
                throw ConfigurationError(description: "tensors.\(tensor) names '\(feature)', which no model's reference has")
            }
        }
        let http = HTTPServer.metrics(port: configuration.httpPort, source: catalogue, readiness: readiness, logger: logger)
        let finalSpace = space
        let conformed = references
        let pipeline = PipelineService(readiness: readiness) {
            let monitors = try configuration.models.map { model in
                try Monitor(
                    model: model.name, reference: conformed[model.name]!, policy: model.policy ?? DriftPolicy(),
                    window: model.windowSpec(defaultRecords: configuration.windowRecords), space: finalSpace)
            }
            let client = try configuration.kafka.clientConfiguration()
            let subscription = configuration.scaleOut.subscription(of: configuration.kafka)
            // The aggregator reads members' shares, not labels.
            let labelTopics =
                configuration.scaleOut.role == .aggregator
                ? [] : Set(performance.values.map(\.settings.labelsTopic)).subtracting(subscription.topics).sorted()
            let consumer = try KafkaConsumer(
                configuration: client, groupID: subscription.group, topics: subscription.topics + labelTopics, logger: logger)
            let producer = try KafkaProducer(configuration: client, logger: logger)
            var settings = Pipeline.Settings(
                eventsTopic: configuration.kafka.eventsTopic, dlqTopic: configuration.kafka.dlqTopic, untilEnd: configuration.untilEnd)
            settings.formats = Dictionary(uniqueKeysWithValues: configuration.kafka.topics.map { ($0, configuration.kafka.format(of: $0)) })
            settings.tensors = configuration.tensors
            settings.joinTimeoutMilliseconds = Int64(configuration.joinTimeoutMilliseconds)
            settings.idlePartitionMilliseconds = Int64(configuration.idlePartitionMilliseconds)
            settings.jsonFields = configuration.decodedJSONFields
            settings.ignoredFields = ignored.sorted()
            settings.routing = configuration.routeBy
            settings.routes = Dictionary(uniqueKeysWithValues: configuration.models.filter { !$0.match.isEmpty }.map { ($0.name, $0.match) })
            settings.scaleOut = configuration.scaleOut.pipelineRole(topics: configuration.kafka.topics)
            settings.segmentSource = try configuration.segmentSource()
            settings.performance = performance
            settings.performanceObserver = performanceObserver
            settings.segmentLimits = Dictionary(
                uniqueKeysWithValues: configuration.models.filter { $0.segmentBy != nil }.map { ($0.name, $0.maxSegments) })
            return Pipeline(
                settings: settings,
                consumer: consumer, producer: producer, space: finalSpace, monitors: monitors, catalogue: catalogue,
                readiness: readiness, logger: logger, referenceUpdates: referenceUpdates, observer: observer)
        }
        return (http, pipeline)
    }

    /// The configuration with each `models:/` reference downloaded from the model registry
    /// (its model's `reference` is then the local file), and the versions they came from.
    public static func downloadRegistered(_ configuration: AgentConfiguration, logger: Logger) async throws -> (AgentConfiguration, [String: String]) {
        let (downloaded, versions) = try await downloadRegistered(configuration, from: try RegistryReferences(configuration: configuration), logger: logger)
        return (downloaded, versions.mapValues(\.description))
    }

    static func downloadRegistered(
        _ configuration: AgentConfiguration, from registry: RegistryReferences?, logger: Logger
    ) async throws -> (AgentConfiguration, [String: ModelVersion]) {
        guard let registry else { return (configuration, [:]) }
        var configuration = configuration
        var registered: [String: ModelVersion] = [:]
        for (index, model) in configuration.models.enumerated() where registry.uris[model.name] != nil {
            do {
                let fetched = try await registry.fetch(model.name)
                configuration.models[index].reference = fetched.path
                registered[model.name] = fetched.version
                logger.info(
                    "reference downloaded from the model registry",
                    metadata: ["model": "\(model.name)", "uri": "\(model.reference)", "model_version": "\(fetched.version)"])
            } catch {
                throw ConfigurationError(description: "model \(model.name): reference \(model.reference): \(error)")
            }
        }
        return (configuration, registered)
    }

    /// Runs the agent until SIGTERM/SIGINT, or until the input ends with `until_end`.
    public static func run(configuration: AgentConfiguration, logger: Logger) async throws {
        try configuration.validate()
        let registry = try RegistryReferences(configuration: configuration)
        let (configuration, registered) = try await downloadRegistered(configuration, from: registry, logger: logger)
        var references: [String: ReferenceProfile] = [:]
        for model in configuration.models {
            if model.bootstrapRecords != nil && !FileManager.default.fileExists(atPath: model.reference) {
                references[model.name] = try ReferenceBootstrap(model: model, configuration: configuration, logger: logger).run()
                continue
            }
            references[model.name] = try loadReference(
                path: model.reference, model: model.name, policy: model.policy ?? DriftPolicy(), schema: model.declaredSchema,
                fields: configuration.jsonFields)
            if let version = registered[model.name] { references[model.name] = references[model.name]!.registered(as: version) }
            logger.info("reference loaded", metadata: ["model": "\(model.name)", "version": "\(references[model.name]!.version)"])
        }
        let catalogue = MetricCatalogue(version: version, limits: configuration.metrics.limits)
        let readiness = Readiness()
        let updates = ReferenceUpdates()
        let (http, pipeline) = try makeServices(
            configuration: configuration, references: references, catalogue: catalogue, readiness: readiness, logger: logger,
            referenceUpdates: updates)
        var reloader = ReferenceReloader(
            configuration: configuration, updates: updates, initialVersions: references.mapValues(\.version), logger: logger)
        if let registry { reloader.registry = RegistryReload(references: registry, versions: registered, catalogue: catalogue) }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: http),
                    .init(service: reloader),
                    .init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
