import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request and its whole response over swift-nio (TLS by NIOSSL for `https`),
/// on a new connection closed afterwards: the hook's webhook POST and the MLflow client's
/// calls, a few per minute at most.
///
/// Bounded: one deadline covers connecting, writing and reading the response, and a body
/// longer than ``maximumBodyBytes`` fails the exchange rather than filling memory.
public struct HTTPExchange: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
    }

    /// Why an exchange failed before a complete response came.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case invalidURL(String)
        case tls(String)
        case connection(target: String, String)
        case timedOut(target: String, Duration)
        case bodyTooLarge(target: String, limit: Int)

        public var description: String {
            switch self {
            case .invalidURL(let text): "not an http or https URL with a host: \(text)"
            case .tls(let reason): "TLS configuration: \(reason)"
            case .connection(let target, let reason): "\(target): \(reason)"
            case .timedOut(let target, let timeout): "\(target): no complete answer within \(timeout)"
            case .bodyTooLarge(let target, let limit): "\(target): the response body is longer than \(limit) bytes"
            }
        }
    }

    public var method: HTTPMethod
    public var url: RequestURL
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeout: Duration
    public var maximumBodyBytes: Int
    /// PEM certificates trusted besides the system's.
    public var trustedCertificatesFile: String?

    public init(
        method: HTTPMethod, url: RequestURL, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(30),
        maximumBodyBytes: Int = 1 << 20, trustedCertificatesFile: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
        self.trustedCertificatesFile = trustedCertificatesFile
    }

    /// Sends the request and waits for the whole response.
    public func perform() async throws(Failure) -> Response {
        let future = try start()
        do {
            return try await future.get()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .connection(target: url.target, "\(error)")
        }
    }

    /// The same, blocking the calling thread, which must not be an event loop's.
    public func performBlocking() throws(Failure) -> Response {
        let future = try start()
        do {
            return try future.wait()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .connection(target: url.target, "\(error)")
        }
    }

    private func start() throws(Failure) -> EventLoopFuture<Response> {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: url.pathAndQuery)
        head.headers.add(name: "Host", value: url.hostHeader)
        if !body.isEmpty || method == .POST || method == .PUT { head.headers.add(name: "Content-Length", value: String(body.count)) }
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        let requestHead = head
        let tls: NIOSSLContext?
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let trustedCertificatesFile { configuration.additionalTrustRoots = [.file(trustedCertificatesFile)] }
            tls = url.secure ? try NIOSSLContext(configuration: configuration) : nil
        } catch {
            throw .tls("\(error)")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let eventLoop = group.next()
        // Made once nothing can throw before it is completed: NIO traps on a promise left open.
        let response = eventLoop.makePromise(of: Response.self)
        // At most a year: the conversion to nanoseconds cannot overflow.
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        let timeLimit = TimeAmount.nanoseconds(Int64(min(max(seconds, 0), 31_536_000) * 1e9))
        let (host, port, target, limit, body) = (url.host, url.port, url.target, maximumBodyBytes, body)
        let deadline = eventLoop.scheduleTask(in: timeLimit) { response.fail(Failure.timedOut(target: target, timeout)) }
        response.futureResult.whenComplete { _ in deadline.cancel() }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeLimit)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI names hosts, not addresses; for an address NIOSSL checks the
                        // certificate against the address it connected to.
                        let name = (try? SocketAddress(ipAddress: host, port: port)) == nil ? host : nil
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseReader(response: response, target: target, limit: limit))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    response.fail(Failure.connection(target: target, "\(error)"))
                case .success(let channel):
                    response.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    channel.write(HTTPClientRequestPart.head(requestHead), promise: nil)
                    if !body.isEmpty { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                }
            }
        return response.futureResult
    }
}

/// Collects one response; an exchange that ends without a whole one fails it.
private final class ResponseReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let response: EventLoopPromise<HTTPExchange.Response>
    private let target: String
    private let limit: Int
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(response: EventLoopPromise<HTTPExchange.Response>, target: String, limit: Int) {
        self.response = response
        self.target = target
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= limit else {
                response.fail(HTTPExchange.Failure.bodyTooLarge(target: target, limit: limit))
                context.close(promise: nil)
                return
            }
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            response.succeed(HTTPExchange.Response(status: Int(head.status.code), headers: head.headers, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        response.fail(HTTPExchange.Failure.connection(target: target, "\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        response.fail(HTTPExchange.Failure.connection(target: target, "the connection closed before a whole response"))
        context.fireChannelInactive()
    }
}
