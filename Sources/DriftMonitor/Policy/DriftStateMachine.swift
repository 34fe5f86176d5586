/// A model's drift state across windows: OK -> WARNING -> DRIFT -> OK.
///
/// Breached windows must follow each other ``DriftPolicy/consecutiveWindows`` times before
/// DRIFT (one noisy window does not page anyone), and DRIFT resolves only after
/// ``DriftPolicy/resolveAfterWindows`` clean windows in a row (hysteresis).
public struct DriftStateMachine: Sendable, Hashable {
    public enum State: Sendable, Hashable, Codable {
        case ok
        /// Some feature at warning level, or breached windows not yet enough.
        case warning(breachedStreak: Int)
        case drift(cleanStreak: Int, breachedSinceRequest: Int)

        /// The value of `driftwatch_drift_state`: 0 ok, 1 warning, 2 drift.
        public var gauge: Int {
            switch self {
            case .ok: 0
            case .warning: 1
            case .drift: 2
            }
        }
    }

    /// What the window's verdict asks the agent to publish.
    public enum Action: Sendable, Hashable {
        case driftDetected
        case retrainingRequested
        case driftResolved
    }

    public private(set) var state: State = .ok
    public let policy: DriftPolicy

    public init(policy: DriftPolicy, state: State = .ok) {
        self.policy = policy
        self.state = state
    }

    /// Moves the state on one closed window and says what to publish.
    public mutating func advance(with report: WindowReport) -> [Action] {
        guard report.judged else { return [] }
        let drifted = report.driftedFeatures.count
        let breached = (drifted > 0 && report.datasetDriftShare >= policy.datasetDriftShare) || !report.qualityBreaches.isEmpty
        return advance(breached: breached, warned: report.level >= .warning)
    }

    /// Moves the state on one judged window, breached or not (and if not, whether it warned):
    /// the drift policy's windows in a row, cooldown and resolution, whatever judged it (the
    /// drift tests, or a performance window against its thresholds).
    public mutating func advance(breached: Bool, warned: Bool) -> [Action] {
        switch state {
        case .ok, .warning:
            var streak = 0
            if case .warning(let previous) = state { streak = previous }
            if breached {
                streak += 1
                if streak >= policy.consecutiveWindows {
                    state = .drift(cleanStreak: 0, breachedSinceRequest: 0)
                    return [.driftDetected, .retrainingRequested]
                }
                state = .warning(breachedStreak: streak)
            } else {
                state = warned ? .warning(breachedStreak: 0) : .ok
            }
            return []
        case .drift(let clean, let sinceRequest):
            if breached || warned {
                let since = breached ? sinceRequest + 1 : sinceRequest
                if breached && policy.cooldownWindows > 0 && since >= policy.cooldownWindows {
                    state = .drift(cleanStreak: 0, breachedSinceRequest: 0)
                    return [.retrainingRequested]
                }
                state = .drift(cleanStreak: 0, breachedSinceRequest: since)
                return []
            }
            if clean + 1 >= policy.resolveAfterWindows {
                state = .ok
                return [.driftResolved]
            }
            state = .drift(cleanStreak: clean + 1, breachedSinceRequest: sinceRequest)
            return []
        }
    }
}
