import Testing

/// Waits, polling, until `condition` holds; after `timeout` records an issue naming what was
/// awaited (at the caller's line) and returns false, so a test never goes on silently as if
/// the condition had come.
@discardableResult
public func eventually(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    if try await condition() { return true }
    Issue.record("not within \(timeout): \(what())", sourceLocation: sourceLocation)
    return false
}
