/// How long the sinks still wait for Kafka's acknowledgements once the agent is asked to stop.
///
/// A healthy broker answers in milliseconds, so the events of a window closed during the drain
/// still go out and its offsets are committed; a broker that refuses them does not hold
/// SIGTERM past the pod's grace period (the window is read again after the restart).
final class ShutdownGrace {
    let grace: Duration
    private let shouldStop: () -> Bool
    private var stopSeenAt: ContinuousClock.Instant?

    init(grace: Duration, shouldStop: @escaping () -> Bool) {
        self.grace = grace
        self.shouldStop = shouldStop
    }

    /// Whether the stop was asked for at least `grace` ago (counted from when this first saw it).
    var isOver: Bool {
        guard shouldStop() else { return false }
        let now = ContinuousClock.now
        if stopSeenAt == nil { stopSeenAt = now }
        return now - stopSeenAt! >= grace
    }
}
