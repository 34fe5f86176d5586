import Foundation
import ServiceLifecycle
import Synchronization
import Telemetry

/// Runs a ``Pipeline`` on a thread of its own, so its blocking Kafka calls never hold a
/// thread of the Swift cooperative pool, and stops it on graceful shutdown or cancellation.
public struct PipelineService: Service {
    let readiness: Readiness
    let build: @Sendable () throws -> Pipeline

    /// - Parameters:
    ///   - readiness: turned to not ready as soon as shutdown begins, before the drain.
    ///   - build: creates the pipeline (and its consumer) on the pipeline thread.
    public init(readiness: Readiness, build: @escaping @Sendable () throws -> Pipeline) {
        self.readiness = readiness
        self.build = build
    }

    public func run() async throws {
        try await DedicatedThread.runUntilShutdown(name: "driftwatch-pipeline", readiness: readiness) { stop in
            let pipeline = try build()
            try pipeline.run(shouldStop: { stop.isSet })
        }
    }
}

/// Work that blocks, kept off the Swift cooperative pool.
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

    /// Runs `body` on a new thread; graceful shutdown turns `readiness` to not ready, then
    /// sets the flag `body` polls, as cancellation does.
    package static func runUntilShutdown(
        name: String, readiness: Readiness, _ body: @escaping @Sendable (StopFlag) throws -> Void
    ) async throws {
        let stop = StopFlag()
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await run(name: name) { try body(stop) }
            } onCancel: {
                stop.set()
            }
        } onGracefulShutdown: {
            readiness.set(ready: false, reason: "shutting down")
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
