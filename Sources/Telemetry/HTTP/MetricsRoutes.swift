import HTTP
import Logging
import NIOHTTP1

/// The routes of the agent's and the hook's port: `/metrics`, `/healthz`, `/readyz` and, when
/// the source has one, the status page `/`.
///
/// `/metrics` answers in OpenMetrics when the Accept header prefers it (as Prometheus
/// does), else in text format 0.0.4.
/// `/healthz` answers 200 while the process runs; `/readyz` answers 200 only while the
/// agent reports itself ready (consuming, broker reachable), so Kubernetes stops routing
/// first when the agent drains.
public struct MetricsRoutes: Sendable {
    let source: any ExpositionSource
    let readiness: Readiness

    public init(source: some ExpositionSource, readiness: Readiness) {
        self.source = source
        self.readiness = readiness
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .GET else { return HTTPResponse(.methodNotAllowed, "method not allowed\n") }
        switch request.path {
        case "/metrics":
            let format = ExpositionFormat(accept: request.headers.first(name: "accept"))
            var buffer: [UInt8] = []
            source.exposition(format, into: &buffer)
            return HTTPResponse(status: .ok, contentType: format.contentType, body: buffer)
        case "/healthz":
            return HTTPResponse(.ok, "ok\n")
        case "/readyz":
            let (ready, reason) = readiness.state
            return ready ? HTTPResponse(.ok, "ready\n") : HTTPResponse(.serviceUnavailable, "not ready: \(reason)\n")
        case "/":
            guard let page = source.statusPage() else { return HTTPResponse(.notFound, "not found\n") }
            return HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: page)
        default:
            return HTTPResponse(.notFound, "not found\n")
        }
    }
}

extension HTTPServer {
    /// The server of ``MetricsRoutes`` on `port` (0: any free port, see ``HTTPServer/boundPort``).
    public static func metrics(host: String = "0.0.0.0", port: Int, source: some ExpositionSource, readiness: Readiness, logger: Logger) -> HTTPServer {
        let routes = MetricsRoutes(source: source, readiness: readiness)
        let page = source.hasStatusPage ? " and the status page /" : ""
        return HTTPServer(
            configuration: Configuration(host: host, port: port), serving: "serving /metrics /healthz /readyz\(page)", logger: logger
        ) { request in routes.respond(to: request) }
    }
}

/// What the metrics routes serve: the metrics, and an HTML status page if there is one.
public protocol ExpositionSource: Sendable {
    /// Appends the exposition of every metric in `format`.
    func exposition(_ format: ExpositionFormat, into buffer: inout [UInt8])
    /// Whether ``statusPage()`` has a page to give.
    var hasStatusPage: Bool { get }
    /// The page at `/`; nil answers 404.
    func statusPage() -> [UInt8]?
}
