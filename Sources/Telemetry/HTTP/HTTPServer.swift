import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Serves `/metrics`, `/healthz`, `/readyz` and, when its source has one, the status page `/`
/// on one port.
///
/// `/metrics` answers in OpenMetrics when the Accept header prefers it (as Prometheus
/// does), else in text format 0.0.4.
/// `/healthz` answers 200 while the process runs; `/readyz` answers 200 only while the
/// agent reports itself ready (consuming, broker reachable), so Kubernetes stops routing
/// first when the agent drains.
public struct HTTPServer: Service {
    public let host: String
    public let port: Int
    let source: any ExpositionSource
    let readiness: Readiness
    let logger: Logger
    /// The port actually bound (useful with port 0), set once listening.
    public let boundPort: BoundPort

    public init(host: String = "0.0.0.0", port: Int, source: some ExpositionSource, readiness: Readiness, logger: Logger) {
        self.host = host
        self.port = port
        self.source = source
        self.readiness = readiness
        self.logger = logger
        boundPort = BoundPort()
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        boundPort.set(server.channel.localAddress?.port ?? port)
        let page = source.hasStatusPage ? " and the status page /" : ""
        logger.info("serving /metrics /healthz /readyz\(page)", metadata: ["port": "\(boundPort.value ?? port)"])
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections.cancelOnGracefulShutdown() {
                    group.addTask {
                        // One broken client never stops the server.
                        try? await self.serve(connection)
                    }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { requests, responses in
            var buffer: [UInt8] = []
            for try await part in requests.cancelOnGracefulShutdown() {
                guard case .head(let head) = part else { continue }
                let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
                let status: HTTPResponseStatus
                var contentType = "text/plain; charset=utf-8"
                buffer.removeAll(keepingCapacity: true)
                switch (head.method, path) {
                case (.GET, "/metrics"):
                    let format = ExpositionFormat(accept: head.headers.first(name: "accept"))
                    source.exposition(format, into: &buffer)
                    status = .ok
                    contentType = format.contentType
                case (.GET, "/healthz"):
                    buffer.append(contentsOf: "ok\n".utf8)
                    status = .ok
                case (.GET, "/readyz"):
                    let (ready, reason) = readiness.state
                    buffer.append(contentsOf: (ready ? "ready\n" : "not ready: \(reason)\n").utf8)
                    status = ready ? .ok : .serviceUnavailable
                case (.GET, "/"):
                    if let page = source.statusPage() {
                        buffer.append(contentsOf: page)
                        status = .ok
                        contentType = "text/html; charset=utf-8"
                    } else {
                        buffer.append(contentsOf: "not found\n".utf8)
                        status = .notFound
                    }
                case (.GET, _):
                    buffer.append(contentsOf: "not found\n".utf8)
                    status = .notFound
                default:
                    buffer.append(contentsOf: "method not allowed\n".utf8)
                    status = .methodNotAllowed
                }
                try await responses.writeResponse(version: head.version, status: status, contentType: contentType, body: buffer)
            }
        }
    }
}

/// What an ``HTTPServer`` serves: the metrics, and an HTML status page if there is one.
public protocol ExpositionSource: Sendable {
    /// Appends the exposition of every metric in `format`.
    func exposition(_ format: ExpositionFormat, into buffer: inout [UInt8])
    /// Whether ``statusPage()`` has a page to give.
    var hasStatusPage: Bool { get }
    /// The page at `/`; nil answers 404.
    func statusPage() -> [UInt8]?
}

/// The agent's readiness, set by the pipeline and read by `/readyz`.
public final class Readiness: Sendable {
    private let value = Mutex<(ready: Bool, reason: String)>((false, "starting"))

    public init() {}

    public var state: (ready: Bool, reason: String) { value.withLock { $0 } }

    public func set(ready: Bool, reason: String = "") {
        value.withLock { $0 = (ready, reason) }
    }
}

/// A port known once the server is listening.
public final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)

    public init() {}

    public var value: Int? { port.withLock { $0 } }

    package func set(_ value: Int) { port.withLock { $0 = value } }

    /// Waits (polling) until the server is listening, up to `timeout`.
    public func wait(timeout: Duration = .seconds(10)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value { return value }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }
}
