import Synchronization

/// A port known once the server is listening.
public final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)

    public init() {}

    public var value: Int? { port.withLock { $0 } }

    package func set(_ value: Int) { port.withLock { $0 = value } }

    /// Waits (polling) until the server is listening, up to `timeout`.
    ///
    /// The port is looked at once more after the deadline: a waiter that was not scheduled
    /// for longer than `timeout` (a busy cooperative pool) finds a port bound meanwhile
    /// rather than timing out on it.
    public func wait(timeout: Duration = .seconds(10)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value { return value }
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Whether the process is ready for traffic, set by its work loop and read by `/readyz`.
public final class Readiness: Sendable {
    private let value = Mutex<(ready: Bool, reason: String)>((false, "starting"))

    public init() {}

    public var state: (ready: Bool, reason: String) { value.withLock { $0 } }

    public func set(ready: Bool, reason: String = "") {
        value.withLock { $0 = (ready, reason) }
    }
}
