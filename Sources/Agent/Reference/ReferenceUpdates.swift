import DriftMonitor
import Synchronization

/// New references on their way from the reloader to the pipeline thread, newest per model.
public final class ReferenceUpdates: Sendable {
    private let posted = Mutex<[String: ReferenceProfile]>([:])
    private let waiting = Atomic<Bool>(false)

    public init() {}

    func post(_ reference: ReferenceProfile, model: String) {
        posted.withLock { $0[model] = reference }
        waiting.store(true, ordering: .releasing)
    }

    /// The references posted since the last call; nil (one atomic load) when there are none.
    func take() -> [String: ReferenceProfile]? {
        guard waiting.load(ordering: .acquiring) else { return nil }
        waiting.store(false, ordering: .relaxed)
        return posted.withLock { posted in
            defer { posted.removeAll() }
            return posted.isEmpty ? nil : posted
        }
    }
}
