import Foundation
import ServiceLifecycle
import Synchronization

/// Work that blocks (Kafka polls, a producer's waits), kept off the Swift cooperative pool.
package enum DedicatedThread {
    /// Runs `body` on a new thread and resumes when it returns.
    package static func run(name: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Sleeps `duration` on the calling thread, waking every 50 ms at most to ask `shouldStop`;
    /// whether it slept the whole time (false: the stop came).
    package static func sleep(for duration: Duration, unless shouldStop: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if shouldStop() { return false }
            let left = (deadline - ContinuousClock.now).components
            Thread.sleep(forTimeInterval: min(0.05, Double(left.seconds) + Double(left.attoseconds) / 1e18))
        }
        return !shouldStop()
    }

    /// Runs `body` on a new thread; graceful shutdown runs `onShutdown`, then sets the flag
    /// `body` polls, as cancellation does.
    package static func runUntilShutdown(
        name: String, onShutdown: @escaping @Sendable () -> Void = {}, _ body: @escaping @Sendable (StopFlag) throws -> Void
    ) async throws {
        let stop = StopFlag()
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await run(name: name) { try body(stop) }
            } onCancel: {
                stop.set()
            }
        } onGracefulShutdown: {
            onShutdown()
            stop.set()
        }
    }
}

/// A flag set once, from any thread.
package final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    package init() {}
    package var isSet: Bool { flag.load(ordering: .relaxed) }
    package func set() { flag.store(true, ordering: .relaxed) }
}
