import DriftMonitor
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Loads each model's reference again on SIGHUP, or when its file changes (checked every
/// `interval`), and posts the ones whose version changed to the pipeline. A reference that
/// does not load, or does not fit the model's schema, is logged and the old one kept.
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

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals {
                        logger.info("SIGHUP: reloading references")
                        reload(configuration.models.map(\.name))
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
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Loads the references of these models and posts the ones with a new version.
    func reload(_ models: [String]) {
        for model in configuration.models where models.contains(model.name) {
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
