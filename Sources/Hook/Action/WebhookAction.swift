import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// POSTs one event to the hook's URL, once, over swift-nio (TLS by NIOSSL for `https`).
///
/// Not URLSession: FoundationNetworking brings libcurl and the 25 libraries it links (GnuTLS,
/// Kerberos, LDAP, ...) into every driftwatch process, 4 MiB of resident memory for the agent,
/// which never posts anything.
struct WebhookAction {
    let url: URL
    let headers: [String: String]
    /// PEM certificates trusted besides the system's.
    var trustedCertificatesFile: String? = nil

    /// The URL for messages and logs: without query or credentials, which may hold secrets.
    var target: String {
        "\(url.scheme ?? "")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")\(url.path)"
    }

    /// Posts the event and waits for the response's status line, at most `timeout` in all.
    /// Must not be called on an event loop: it blocks its thread.
    func perform(_ event: RetrainingEvent, attempt: Int, timeout: Duration) -> ActionResult {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            return .rejected("\(target): only http and https URLs with a host can be posted to")
        }
        let secure = scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }

        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
        head.headers.add(name: "Content-Type", value: "application/cloudevents+json")
        head.headers.add(name: "Content-Length", value: String(event.json.count))
        head.headers.add(name: "Idempotency-Key", value: event.id)
        head.headers.add(name: "X-Driftwatch-Attempt", value: String(attempt))
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }

        let tls: NIOSSLContext?
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let trustedCertificatesFile { configuration.additionalTrustRoots = [.file(trustedCertificatesFile)] }
            tls = secure ? try NIOSSLContext(configuration: configuration) : nil
        } catch {
            return .rejected("\(target): TLS configuration: \(error)")
        }
        // Made once nothing can return before it is completed: NIO traps on a promise left open.
        let group = MultiThreadedEventLoopGroup.singleton
        let status = group.next().makePromise(of: HTTPResponseStatus.self)
        // At most a year: the conversion to nanoseconds cannot overflow.
        let timeLimit = TimeAmount.nanoseconds(Int64(min(RetryPolicy.seconds(timeout), 31_536_000) * 1e9))
        let connected = ClientBootstrap(group: group)
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
                    try channel.pipeline.syncOperations.addHandler(StatusLineReader(status: status))
                }
            }
            .connect(host: host, port: port)
        let channel: any Channel
        do {
            channel = try connected.wait()
        } catch {
            status.fail(error)
            return .failed("\(target): \(error)")
        }
        // One deadline for the whole exchange: the request written, the status line read.
        let deadline = channel.eventLoop.scheduleTask(in: timeLimit) {
            status.fail(WebhookTimeout())
            channel.close(promise: nil)
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: event.json))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let result: ActionResult
        do {
            let code = Int(try status.futureResult.wait().code)
            switch code {
            case 200..<300: result = .succeeded
            case 408, 429, 500...: result = .failed("HTTP \(code)")
            default: result = .rejected("HTTP \(code)")
            }
        } catch is WebhookTimeout {
            result = .failed("\(target): no answer within \(timeout)")
        } catch {
            result = .failed("\(target): \(error)")
        }
        deadline.cancel()
        channel.close(promise: nil)
        return result
    }
}

/// The exchange took longer than the attempt's timeout.
private struct WebhookTimeout: Error {}

/// Completes the promise with the response's status; an exchange that ends without one fails it.
private final class StatusLineReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let status: EventLoopPromise<HTTPResponseStatus>

    init(status: EventLoopPromise<HTTPResponseStatus>) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            status.succeed(head.status)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        status.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        status.fail(ChannelError.inputClosed)
        context.fireChannelInactive()
    }
}
