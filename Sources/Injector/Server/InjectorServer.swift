import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Telemetry
import UnixSignals

/// `driftwatch inject`: the mutating admission webhook over HTTPS. `POST /mutate` takes an
/// AdmissionReview; `GET /healthz` and `GET /readyz` answer once it serves (the certificate
/// loaded and the port bound, so there is nothing else to wait for).
public struct InjectorServer: Service {
    public let host: String
    public let port: Int
    let controller: AdmissionController
    let certificate: ServingCertificate
    let logger: Logger
    /// The most a review may weigh; the API server sends pods, a few tens of KB.
    static let maximumBody = 4 << 20
    /// The port actually bound, set once listening.
    public let boundPort = BoundPort()

    public init(host: String = "0.0.0.0", port: Int, certificatePath: String, keyPath: String, controller: AdmissionController, logger: Logger) throws {
        self.host = host
        self.port = port
        self.controller = controller
        self.logger = logger
        certificate = try ServingCertificate(certificatePath: certificatePath, keyPath: keyPath)
    }

    public func run() async throws {
        let certificate = certificate
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: certificate.context()))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        boundPort.set(server.channel.localAddress?.port ?? port)
        logger.info("serving the admission webhook POST /mutate over TLS", metadata: ["port": "\(boundPort.value ?? port)"])
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections.cancelOnGracefulShutdown() {
                    group.addTask {
                        do {
                            try await self.serve(connection)
                        } catch {
                            // A client that fails the handshake or hangs up stops only itself.
                            self.logger.debug("connection ended", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { requests, responses in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var tooLarge = false
            for try await part in requests {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body.removeAll(keepingCapacity: true)
                    tooLarge = false
                case .body(let buffer):
                    if body.count + buffer.readableBytes > Self.maximumBody { tooLarge = true } else { body += buffer.readableBytesView }
                case .end:
                    guard let head else { continue }
                    let (status, answer, type) = route(head, body: body, tooLarge: tooLarge)
                    try await responses.writeResponse(version: head.version, status: status, contentType: type, body: answer)
                }
            }
        }
    }

    private func route(_ head: HTTPRequestHead, body: [UInt8], tooLarge: Bool) -> (HTTPResponseStatus, [UInt8], String) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.POST, "/mutate"):
            if tooLarge { return (.payloadTooLarge, Array("review larger than \(Self.maximumBody) bytes\n".utf8), "text/plain; charset=utf-8") }
            let (status, answer) = controller.respond(to: body)
            return (HTTPResponseStatus(statusCode: status), answer, status == 200 ? "application/json" : "text/plain; charset=utf-8")
        case (.GET, "/healthz"), (.GET, "/readyz"):
            return (.ok, Array("ok\n".utf8), "text/plain; charset=utf-8")
        case (_, "/mutate"):
            return (.methodNotAllowed, Array("POST an AdmissionReview\n".utf8), "text/plain; charset=utf-8")
        default:
            return (.notFound, Array("not found\n".utf8), "text/plain; charset=utf-8")
        }
    }
}

extension InjectorServer {
    /// Serves until SIGTERM or SIGINT.
    public func runUntilSignalled() async throws {
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: self)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
