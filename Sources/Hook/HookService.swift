import HTTP
import KafkaIO
import Logging
import ServiceLifecycle
import Telemetry
import UnixSignals

/// Runs a ``RetrainingHook`` on a thread of its own until graceful shutdown.
public struct HookService: Service {
    let readiness: Readiness
    let untilEnd: Bool
    let build: @Sendable () throws -> RetrainingHook

    public init(readiness: Readiness, untilEnd: Bool, build: @escaping @Sendable () throws -> RetrainingHook) {
        self.readiness = readiness
        self.untilEnd = untilEnd
        self.build = build
    }

    public func run() async throws {
        try await DedicatedThread.runUntilShutdown(name: "driftwatch-hook", onShutdown: { [readiness] in
            readiness.set(ready: false, reason: "shutting down")
        }) { stop in
            try build().run(untilEnd: untilEnd) { stop.isSet }
        }
    }
}

extension HookService {
    /// Runs the hook and its HTTP server (`/metrics`, `/healthz`, `/readyz`) until SIGTERM or
    /// SIGINT, or with `untilEnd` until every partition is read to its end.
    public static func run(settings: HookSettings, httpPort: Int, untilEnd: Bool, logger: Logger) async throws {
        try settings.validate()
        let metrics = HookMetrics(version: BuildInfo.version)
        let readiness = Readiness()
        let http = HTTPServer.metrics(port: httpPort, source: metrics, readiness: readiness, logger: logger)
        let hook = HookService(readiness: readiness, untilEnd: untilEnd) {
            try RetrainingHook(settings: settings, metrics: metrics, readiness: readiness, logger: logger)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: http),
                    .init(service: hook, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
