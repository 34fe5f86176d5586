import FoundationEssentials
import HTTP
import NIOHTTP1

/// The MLflow tracking server's REST API, as MLflow's own clients reach it: the server from
/// `MLFLOW_TRACKING_URI`, a bearer token from `MLFLOW_TRACKING_TOKEN` or basic credentials
/// from `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`, and a CA bundle from
/// `MLFLOW_TRACKING_SERVER_CERT_PATH`. Each call is one ``HTTPExchange``, bounded in time
/// and bytes.
public struct MLflowClient: Sendable {
    public let server: RequestURL
    let authorization: String?
    let trustedCertificatesFile: String?
    public var timeout: Duration = .seconds(30)
    /// The most bytes of an artifact (a reference profile or reference records).
    public var maximumArtifactBytes = 512 << 20

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(RegistryError) {
        guard let text = environment["MLFLOW_TRACKING_URI"], !text.isEmpty else { throw .noTrackingServer }
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let server = RequestURL(trimmed) else { throw .invalidTrackingURI(text) }
        self.server = server
        if let token = environment["MLFLOW_TRACKING_TOKEN"], !token.isEmpty {
            authorization = "Bearer \(token)"
        } else if let user = environment["MLFLOW_TRACKING_USERNAME"], let password = environment["MLFLOW_TRACKING_PASSWORD"] {
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        trustedCertificatesFile = environment["MLFLOW_TRACKING_SERVER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The version a URI names: its alias resolved now, or the version it gives.
    public func modelVersion(_ uri: ModelURI) async throws(RegistryError) -> ModelVersion {
        let answer: JSONValue
        switch uri.selector {
        case .alias(let alias):
            answer = try await call(.GET, "/api/2.0/mlflow/registered-models/alias", query: [("name", uri.name), ("alias", alias)])
        case .version(let version):
            answer = try await call(.GET, "/api/2.0/mlflow/model-versions/get", query: [("name", uri.name), ("version", version)])
        }
        guard let found = answer["model_version"], let version = found["version"]?.string,
            let run = found["run_id"]?.string, !run.isEmpty
        else {
            throw .malformed(request: "model version \(uri)", "no model_version with a version and a run_id")
        }
        return ModelVersion(name: uri.name, version: version, runID: run)
    }

    /// The bytes of the artifact at `path` in the version's source run.
    public func artifact(_ path: String, of version: ModelVersion) async throws(RegistryError) -> [UInt8] {
        let request = try await proxiedArtifact(path, of: version) ?? "/get-artifact?" + Self.query([("path", path), ("run_uuid", version.runID)])
        return try await exchange(.GET, request, body: [], limit: maximumArtifactBytes, describing: "artifact \(path) of \(version)").body
    }

    /// Stores `bytes` as the artifact at `path` of the version's source run, through the
    /// server (its artifacts must be served by it: `mlflow-artifacts:/`).
    public func upload(_ bytes: [UInt8], as path: String, of version: ModelVersion) async throws(RegistryError) {
        guard let request = try await proxiedArtifact(path, of: version) else {
            throw .malformed(request: "upload to run \(version.runID)", "its artifacts are not served by the tracking server (no mlflow-artifacts:/ URI)")
        }
        _ = try await exchange(.PUT, request, body: bytes, contentType: "application/octet-stream", limit: 1 << 20, describing: "upload of \(path) to \(version)")
    }

    /// The server's path of an artifact of the version's run, when the server serves the
    /// run's artifacts (`--serve-artifacts`, MLflow's default); nil otherwise.
    private func proxiedArtifact(_ path: String, of version: ModelVersion) async throws(RegistryError) -> String? {
        let run = try await call(.GET, "/api/2.0/mlflow/runs/get", query: [("run_id", version.runID)])
        let proxied = "mlflow-artifacts:/"
        guard let root = run["run"]?["info"]?["artifact_uri"]?.string, root.hasPrefix(proxied) else { return nil }
        let location = (root.dropFirst(proxied.count).split(separator: "/") + path.split(separator: "/")).map { Self.escaped(String($0)) }
        return "/api/2.0/mlflow-artifacts/artifacts/" + location.joined(separator: "/")
    }

    /// One REST call with a JSON object for its answer; `json` is the body of a POST.
    package func call(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil
    ) async throws(RegistryError) -> JSONValue {
        let body = json?.bytes ?? []
        let target = query.isEmpty ? path : path + "?" + Self.query(query)
        let response = try await exchange(method, target, body: body, limit: 16 << 20, describing: "\(method) \(path)")
        guard let object = try? JSONValue(parsing: response.body), object.object != nil else {
            throw .malformed(request: "\(method) \(path)", "not a JSON object")
        }
        return object
    }

    private func exchange(
        _ method: HTTPMethod, _ target: String, body: [UInt8], contentType: String = "application/json", limit: Int, describing request: String
    ) async throws(RegistryError) -> HTTPExchange.Response {
        var headers: [(String, String)] = [("Accept", "application/json")]
        if !body.isEmpty { headers.append(("Content-Type", contentType)) }
        if let authorization { headers.append(("Authorization", authorization)) }
        let prefix = server.pathAndQuery == "/" ? "" : server.pathAndQuery
        let exchange = HTTPExchange(
            method: method, url: server.with(pathAndQuery: prefix + target), headers: headers, body: body, timeout: timeout,
            maximumBodyBytes: limit, trustedCertificatesFile: trustedCertificatesFile)
        let response: HTTPExchange.Response
        do {
            response = try await exchange.perform()
        } catch {
            throw .unreachable("\(error)")
        }
        guard (200..<300).contains(response.status) else {
            let message = (try? JSONValue(parsing: response.body))?["message"]?.string ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw .refused(request: request, status: response.status, message: message)
        }
        return response
    }

    /// `a=1&b=2`, percent-encoded.
    static func query(_ items: [(String, String)]) -> String {
        items.map { "\(escaped($0.0))=\(escaped($0.1))" }.joined(separator: "&")
    }

    /// Every byte but RFC 3986's unreserved characters, percent-encoded.
    static func escaped(_ text: String) -> String {
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                escaped += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return escaped
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
