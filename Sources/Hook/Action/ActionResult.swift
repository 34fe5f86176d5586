/// How one attempt at an action ended.
public enum ActionResult: Sendable, Hashable {
    case succeeded
    /// Worth another attempt (non-zero exit, timeout, HTTP 5xx, 408, 429, connection refused).
    case failed(String)
    /// No attempt will do better (HTTP 4xx): the hook gives up at once.
    case rejected(String)
    /// The hook is shutting down: nothing is recorded, the event runs again after a restart.
    case interrupted
}
