import DriftMonitor
import FoundationEssentials
import Ingest
import KafkaIO
import Logging

/// A model's reference built from the first records of its own stream, for a model with
/// `bootstrap_records` whose reference file does not exist yet: the records are profiled as
/// `driftwatch profile` would profile them from a file, and the profile is written to the
/// reference path, so that a restart loads it instead of profiling other records.
///
/// It reads with a group of its own (`<group>-bootstrap-<model>`) and commits nothing: the
/// agent's group then reads the same records again and monitors them (against themselves,
/// so the first windows are clean), and windows after them against the reference.
struct ReferenceBootstrap {
    let model: AgentConfiguration.Model
    let configuration: AgentConfiguration
    let logger: Logger

    func run() throws -> ReferenceProfile {
        guard let wanted = model.bootstrapRecords else {
            throw ConfigurationError(description: "model \(model.name) has no bootstrap_records")
        }
        let kafka = configuration.kafka
        let consumer = try KafkaConsumer(
            configuration: try kafka.clientConfiguration(), groupID: "\(kafka.group)-bootstrap-\(model.name)", topics: kafka.topics,
            logger: logger)
        defer { consumer.close() }
        let routing = configuration.routeBy
        let names = Set((model.match.isEmpty ? [model.name] : model.match).map { Array($0.utf8) })
        let onlyModel = configuration.models.count == 1
        var decoder = RecordDecoder(space: FeatureSpace(), fields: configuration.decodedJSONFields)
        var payload = InferencePayload(space: decoder.space)
        var lines: [UInt8] = []
        var taken = 0
        var skipped = 0
        var lastReport = ContinuousClock.now
        logger.info("bootstrapping the reference from the stream", metadata: ["model": "\(model.name)", "records": "\(wanted)"])
        while taken < wanted {
            consumer.poll(timeoutMilliseconds: 100) { message in
                guard taken < wanted, let value = message.value else { return }
                do {
                    try decoder.decode(value, format: .json, envelope: MessageEnvelope(), into: &payload)
                } catch {
                    skipped += 1
                    return
                }
                let name: [UInt8] =
                    switch routing {
                    case .field: payload.model
                    case .key: message.key.map { Array($0) } ?? []
                    case .header(let header): message.header(named: header).map { Array($0) } ?? []
                    }
                guard names.contains(name) || (name.isEmpty && onlyModel) else { return }
                // One record per line: a raw newline can only be whitespace between JSON tokens.
                lines.append(contentsOf: value.lazy.map { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") ? UInt8(ascii: " ") : $0 })
                lines.append(UInt8(ascii: "\n"))
                taken += 1
            }
            if ContinuousClock.now - lastReport >= .seconds(10) {
                lastReport = ContinuousClock.now
                logger.info("waiting for records to bootstrap the reference", metadata: ["model": "\(model.name)", "taken": "\(taken)", "wanted": "\(wanted)"])
            }
        }
        let records = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-bootstrap-\(UUID()).jsonl")
        try Data(lines).write(to: records)
        defer { try? FileManager.default.removeItem(at: records) }
        let profile = try AgentRuntime.loadReference(
            path: records.path, model: model.name, policy: model.policy ?? DriftPolicy(), schema: model.declaredSchema,
            fields: configuration.decodedJSONFields)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(profile).write(to: URL(fileURLWithPath: model.reference), options: .atomic)
        } catch {
            logger.warning(
                "the bootstrapped reference could not be written; a restart bootstraps again",
                metadata: ["model": "\(model.name)", "path": "\(model.reference)", "error": "\(error)"])
        }
        logger.info(
            "reference bootstrapped",
            metadata: [
                "model": "\(model.name)", "version": "\(profile.version)", "records": "\(taken)", "undecodable": "\(skipped)",
                "features": "\(profile.features.count)", "path": "\(model.reference)",
            ])
        return profile
    }
}
