import DriftMonitor
import Ingest
import Logging
import Telemetry

extension ModelRouter {
    /// Takes the references posted since the last batch, and puts in place those whose model
    /// has no open window (the others wait for it).
    func switchReferences(space: FeatureSpace) {
        if let posted = referenceUpdates?.take() {
            for target in watched {
                if let reference = posted[target.model] { target.pendingReference = reference }
            }
        }
        for target in watched where target.pendingReference != nil { switchReferenceIfIdle(target, space: space) }
    }

    /// Puts a model's new reference in place once no window of the old one is open: the window
    /// open when it came is judged against the old reference, the next ones against the new.
    func switchReferenceIfIdle(_ target: Watched, space: FeatureSpace) {
        guard let reference = target.pendingReference, !target.monitor.hasOpenPane else { return }
        target.pendingReference = nil
        let old = target.monitor
        func signature(_ features: [Feature]) -> Set<String> { Set(features.map { "\($0.name):\($0.kind)" }) }
        guard signature(reference.schema) == signature(old.reference.schema) else {
            logger.error(
                "the new reference changes the model's features; restart the agent to monitor them",
                metadata: ["model": "\(old.model)", "version": "\(reference.version)"])
            return
        }
        do {
            let next = try Monitor(
                model: old.model, reference: reference, policy: old.policy, window: old.window, space: space, batchCapacity: old.batchCapacity)
            next.takeOver(from: old)
            target.monitor = next
            target.metrics.setReference(version: reference.version, modelVersion: reference.modelVersion.map { "\($0)" })
            logger.info("reference switched", metadata: ["model": "\(old.model)", "from": "\(old.reference.version)", "to": "\(reference.version)"])
        } catch {
            logger.error("the new reference does not fit the model's features", metadata: ["model": "\(old.model)", "error": "\(error)"])
        }
    }
}
