import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// One HTTP/1.1 server, plain or over TLS, answering whole requests with whole responses.
///
/// Every connection is bounded: it must deliver a complete request within
/// ``Configuration/requestTimeout`` of being accepted or of its previous answer (an idle
/// keep-alive connection, or one trickling its headers, is closed then), its body may not pass
/// ``Configuration/maximumBodyBytes``, and past ``Configuration/maximumConnections`` a new
/// connection is closed at once. `Connection: close` and HTTP/1.0 without keep-alive close
/// after the answer; HEAD is answered as GET without the body. The port bound (useful with
/// port 0) is handed back in ``boundPort``.
public struct HTTPServer: Service {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Makes the TLS context for each new connection (so a renewed certificate applies to
        /// the next one); nil serves plain HTTP.
        public var tls: (@Sendable () -> NIOSSLContext)?
        public var requestTimeout: Duration = .seconds(60)
        public var maximumConnections = 128
        public var maximumBodyBytes = 1 << 20

        public init(host: String = "0.0.0.0", port: Int, tls: (@Sendable () -> NIOSSLContext)? = nil) {
            self.host = host
            self.port = port
            self.tls = tls
        }
    }

    /// Answers one request; runs on the server's tasks, one request at a time per connection.
    public typealias Responder = @Sendable (HTTPRequest) async -> HTTPResponse

    public let configuration: Configuration
    let responder: Responder
    let logger: Logger
    /// What the server logs once it listens: "serving /metrics".
    let serving: String
    /// The port actually bound, set once listening.
    public let boundPort = BoundPort()

    public init(configuration: Configuration, serving: String, logger: Logger, responder: @escaping Responder) {
        self.configuration = configuration
        self.serving = serving
        self.logger = logger
        self.responder = responder
    }

    public func run() async throws {
        let tls = configuration.tls
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls())) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        boundPort.set(server.channel.localAddress?.port ?? configuration.port)
        logger.info("\(serving)", metadata: ["port": "\(boundPort.value ?? configuration.port)"])
        let open = ConnectionCount()
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections.cancelOnGracefulShutdown() {
                    let admitted = open.value.add(1, ordering: .relaxed).newValue <= configuration.maximumConnections
                    group.addTask {
                        defer { open.value.subtract(1, ordering: .relaxed) }
                        do {
                            if admitted {
                                try await serve(connection)
                            } else {
                                // Closed through the async channel: a writer dropped unfinished traps.
                                logger.debug("connection refused: too many open", metadata: ["limit": "\(configuration.maximumConnections)"])
                                try await connection.executeThenClose { _, _ in }
                            }
                        } catch {
                            // A client that fails the handshake or hangs up stops only itself.
                            logger.debug("connection ended", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
    }

    /// Reads requests one after the other and answers each, under a watchdog that closes the
    /// connection when a request is not complete by its deadline.
    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        let deadline = RequestDeadline(after: configuration.requestTimeout)
        let channel = connection.channel
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while let due = deadline.next() {
                    try await Task.sleep(until: due, clock: .continuous)
                    if deadline.hasPassed {
                        try? await channel.close()
                        return
                    }
                }
            }
            defer { group.cancelAll() }
            try await connection.executeThenClose { requests, responses in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                var tooLarge = false
                for try await part in requests.cancelOnGracefulShutdown() {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body.removeAll(keepingCapacity: true)
                        tooLarge = false
                    case .body(let buffer):
                        if body.count + buffer.readableBytes > configuration.maximumBodyBytes {
                            tooLarge = true
                        } else {
                            body += buffer.readableBytesView
                        }
                    case .end:
                        guard let requestHead = head else { continue }
                        head = nil
                        deadline.pause()
                        let close = !requestHead.isKeepAlive || tooLarge
                        let response =
                            tooLarge
                            ? HTTPResponse(.payloadTooLarge, "request body larger than \(configuration.maximumBodyBytes) bytes\n")
                            : await responder(Self.request(requestHead, body: body))
                        try await responses.write(response, version: requestHead.version, headOnly: requestHead.method == .HEAD, close: close)
                        if close { return }
                        deadline.restart()
                    }
                }
            }
        }
    }

    static func request(_ head: HTTPRequestHead, body: [UInt8]) -> HTTPRequest {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        return HTTPRequest(method: head.method == .HEAD ? .GET : head.method, path: path, headers: head.headers, body: body)
    }
}

/// The connections being served.
final class ConnectionCount: Sendable {
    let value = Atomic<Int>(0)
}

/// When a connection's next request must be complete: none while one is being answered.
final class RequestDeadline: Sendable {
    private let timeout: Duration
    private let due: Mutex<ContinuousClock.Instant?>
    private let closed = Atomic<Bool>(false)

    init(after timeout: Duration) {
        self.timeout = timeout
        due = Mutex(.now + timeout)
    }

    /// When to look again: the deadline, or a while from now when paused.
    func next() -> ContinuousClock.Instant? {
        guard !closed.load(ordering: .relaxed) else { return nil }
        return due.withLock { $0 } ?? .now + timeout
    }

    var hasPassed: Bool { due.withLock { $0.map { ContinuousClock.now >= $0 } ?? false } }

    func pause() { due.withLock { $0 = nil } }
    func restart() { due.withLock { $0 = .now + timeout } }
}
