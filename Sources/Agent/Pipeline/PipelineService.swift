import HTTP
import KafkaIO
import ServiceLifecycle

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
        // Once shutdown begins /readyz answers 503, before the drain.
        try await DedicatedThread.runUntilShutdown(name: "driftwatch-pipeline", onShutdown: { [readiness] in
            readiness.set(ready: false, reason: "shutting down")
        }) { stop in
            let pipeline = try build()
            try pipeline.run(shouldStop: { stop.isSet })
        }
    }
}
