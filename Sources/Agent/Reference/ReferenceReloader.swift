import DriftMonitor
import FoundationEssentials
import Logging
import Registry
import ServiceLifecycle
import Synchronization
import Telemetry
import UnixSignals

/// Loads each model's reference again on SIGHUP, or when its file changes (checked every
/// `interval`), and posts the ones whose version changed to the pipeline. A reference that
/// does not load, or does not fit the model's schema, is logged and the old one kept.
///
/// A reference in the model registry (``registry``) is looked at every `interval` and on
/// SIGHUP: when its alias names another version, that version's reference is downloaded and
/// posted; when the registry cannot be reached, the last one stays and
/// `driftwatch_reference_registry_failures_total` counts it.
public struct ReferenceReloader: Service {
    let configuration: AgentConfiguration
    let updates: ReferenceUpdates
    let logger: Logger
    /// How often reference files are checked for a change; nil: on SIGHUP only.
    let interval: Duration?

    public init(configuration: AgentConfiguration, updates: ReferenceUpdates, initialVersions: [String: String], logger: Logger) {
        self.configuration = configuration
        self.updates = updates
        self.logger = logger
        let seconds = configuration.referenceReloadSeconds
        interval = seconds > 0 ? .milliseconds(Int64(seconds * 1000)) : nil
        versions = VersionBook(initialVersions)
    }

    private let versions: VersionBook
    /// The models whose reference is in the model registry.
    var registry: RegistryReload?

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals {
                        logger.info("SIGHUP: reloading references")
                        reload(configuration.models.map(\.name))
                        await reloadRegistered()
                    }
                }
                if let interval {
                    group.addTask {
                        var stamps = modificationDates()
                        // Cancelled at shutdown: end quietly, since a throw here is a failed service.
                        while (try? await Task.sleep(for: interval)) != nil {
                            let now = modificationDates()
                            let changed = configuration.models.map(\.name).filter { now[$0] != stamps[$0] }
                            stamps = now
                            if !changed.isEmpty { reload(changed) }
                        }
                    }
                    if registry != nil {
                        group.addTask {
                            while (try? await Task.sleep(for: interval)) != nil { await reloadRegistered() }
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Loads the references of these models and posts the ones with a new version.
    func reload(_ models: [String]) {
        for model in configuration.models where models.contains(model.name) && registry?.references.uris[model.name] == nil {
            do {
                let reference = try AgentRuntime.loadReference(of: model, fields: configuration.jsonFields)
                guard versions.replace(model.name, with: reference.version) else { continue }
                logger.info("reference changed; it applies from the model's next window", metadata: ["model": "\(model.name)", "version": "\(reference.version)"])
                updates.post(reference, model: model.name)
            } catch {
                logger.error("reloading a reference failed; the old one stays", metadata: ["model": "\(model.name)", "path": "\(model.reference)", "error": "\(error)"])
            }
        }
    }

    /// Looks up each registered model's version; posts the reference of one that changed.
    func reloadRegistered() async {
        guard let registry else { return }
        for model in configuration.models where registry.references.uris[model.name] != nil {
            do {
                let version = try await registry.references.version(of: model.name)
                guard version != registry.versions.withLock({ $0[model.name] }) else { continue }
                let path = try await registry.references.download(version, for: model.name)
                var local = model
                local.reference = path
                let reference = try AgentRuntime.loadReference(of: local, fields: configuration.jsonFields).registered(as: version)
                registry.versions.withLock { $0[model.name] = version }
                _ = versions.replace(model.name, with: reference.version)
                logger.info(
                    "the registered model version changed; its reference applies from the model's next window",
                    metadata: ["model": "\(model.name)", "model_version": "\(version)", "version": "\(reference.version)"])
                updates.post(reference, model: model.name)
            } catch {
                registry.catalogue.countRegistryFailure(model: model.name)
                logger.error(
                    "looking at the model registry failed; the last reference stays",
                    metadata: ["model": "\(model.name)", "uri": "\(registry.references.uris[model.name]!)", "error": "\(error)"])
            }
        }
    }

    private func modificationDates() -> [String: Date] {
        var dates: [String: Date] = [:]
        for model in configuration.models {
            dates[model.name] = (try? FileManager.default.attributesOfItem(atPath: model.reference))?[.modificationDate] as? Date
        }
        return dates
    }
}

/// The reference version last posted per model.
private final class VersionBook: Sendable {
    private let versions: Mutex<[String: String]>

    init(_ versions: [String: String]) {
        self.versions = Mutex(versions)
    }

    /// Records `version` for `model`; false if it already was the one.
    func replace(_ model: String, with version: String) -> Bool {
        versions.withLock { $0.updateValue(version, forKey: model) != version }
    }
}

/// The registered models of a ``ReferenceReloader``: where their references are, the version
/// of each last loaded, and where failures are counted.
final class RegistryReload: Sendable {
    let references: RegistryReferences
    let versions: Mutex<[String: ModelVersion]>
    let catalogue: MetricCatalogue

    init(references: RegistryReferences, versions: [String: ModelVersion], catalogue: MetricCatalogue) {
        self.references = references
        self.versions = Mutex(versions)
        self.catalogue = catalogue
    }
}
