import HTTP
import Logging
import NIOHTTP1
import ServiceLifecycle
import UnixSignals

/// `driftwatch inject`: the mutating admission webhook over HTTPS. `POST /mutate` takes an
/// AdmissionReview; `GET /healthz` and `GET /readyz` answer once it serves (the certificate
/// loaded and the port bound, so there is nothing else to wait for).
public struct InjectorServer: Service {
    let server: HTTPServer
    let logger: Logger
    /// The most a review may weigh; the API server sends pods, a few tens of KB.
    static let maximumBody = 4 << 20
    /// The port actually bound, set once listening.
    public var boundPort: BoundPort { server.boundPort }

    public init(host: String = "0.0.0.0", port: Int, certificatePath: String, keyPath: String, controller: AdmissionController, logger: Logger) throws {
        let certificate = try ServingCertificate(certificatePath: certificatePath, keyPath: keyPath)
        var configuration = HTTPServer.Configuration(host: host, port: port) { certificate.context() }
        configuration.maximumBodyBytes = Self.maximumBody
        server = HTTPServer(configuration: configuration, serving: "serving the admission webhook POST /mutate over TLS", logger: logger) { request in
            Self.route(request, controller: controller)
        }
        self.logger = logger
    }

    public func run() async throws {
        try await server.run()
    }

    static func route(_ request: HTTPRequest, controller: AdmissionController) -> HTTPResponse {
        switch (request.method, request.path) {
        case (.POST, "/mutate"):
            let (status, answer) = controller.respond(to: request.body)
            return HTTPResponse(
                status: HTTPResponseStatus(statusCode: status), contentType: status == 200 ? "application/json" : "text/plain; charset=utf-8",
                body: answer)
        case (.GET, "/healthz"), (.GET, "/readyz"):
            return HTTPResponse(.ok, "ok\n")
        case (_, "/mutate"):
            return HTTPResponse(.methodNotAllowed, "POST an AdmissionReview\n")
        default:
            return HTTPResponse(.notFound, "not found\n")
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
