#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How often and how patiently the hook retries a failed action: exponential backoff with
/// jitter, capped, then it gives up and records the event as failed.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var attempts: Int
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    public var multiplier: Double
    /// The longest one attempt may run before it is stopped and counted as failed.
    public var attemptTimeout: Duration

    public init(
        attempts: Int = 5, initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(60), multiplier: Double = 2,
        attemptTimeout: Duration = .seconds(300)
    ) {
        self.attempts = attempts
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.multiplier = multiplier
        self.attemptTimeout = attemptTimeout
    }

    /// The wait after failed attempt `attempt` (1-based): `initial × multiplier^(attempt-1)`,
    /// capped, of which a random half is dropped (`unit` in 0..<1) so a fleet of hooks does
    /// not retry in step.
    public func backoff(after attempt: Int, unit: Double = Double.random(in: 0..<1)) -> Duration {
        let initial = Self.seconds(initialBackoff)
        let base = min(Self.seconds(maximumBackoff), initial * pow(multiplier, Double(max(0, attempt - 1))))
        return .milliseconds(Int64((base * (0.5 + 0.5 * unit) * 1000).rounded()))
    }

    /// The longest the hook can spend on one event: every attempt timing out, every backoff at its cap.
    public var worstCase: Duration {
        attemptTimeout * attempts + maximumBackoff * max(0, attempts - 1)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Errors name the option, for the command line.
    public func validate() throws(HookSettingsError) {
        if attempts < 1 { throw .invalid("--attempts", "must be at least 1") }
        if initialBackoff < .zero || maximumBackoff < initialBackoff {
            throw .invalid("--backoff", "must be 0 or more and not above --max-backoff")
        }
        if multiplier < 1 { throw .invalid("--backoff-multiplier", "must be at least 1") }
        if attemptTimeout <= .zero { throw .invalid("--timeout", "must be above 0") }
    }
}
