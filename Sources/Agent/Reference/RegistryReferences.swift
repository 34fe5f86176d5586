import DriftMonitor
import FoundationEssentials
import Registry

/// The models whose `reference:` is an MLflow model URI (`models:/<name>@<alias>/<path>` or
/// `models:/<name>/<version>/<path>`): the artifact of the version the URI names now is
/// downloaded into a private folder and read as a reference file would be.
struct RegistryReferences: Sendable {
    let client: MLflowClient
    /// By model name.
    let uris: [String: ModelURI]
    let directory: String

    /// nil when no model names a model URI.
    init?(configuration: AgentConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var uris: [String: ModelURI] = [:]
        for model in configuration.models where ModelURI.isModelURI(model.reference) {
            uris[model.name] = try ModelURI(parsing: model.reference)
        }
        guard !uris.isEmpty else { return nil }
        do {
            client = try MLflowClient(environment: environment)
        } catch {
            throw ConfigurationError(description: "\(error)")
        }
        self.uris = uris
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-registry-\(ProcessInfo.processInfo.processIdentifier)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The version `model`'s URI names now.
    func version(of model: String) async throws(RegistryError) -> ModelVersion {
        try await client.modelVersion(uris[model]!)
    }

    /// Downloads the reference artifact of `version` for `model`; returns the local file,
    /// named so that its extension says how to read it.
    func download(_ version: ModelVersion, for model: String) async throws -> String {
        let uri = uris[model]!
        let bytes = try await client.artifact(uri.artifactPath, of: version)
        let name = uri.artifactPath.split(separator: "/").last.map(String.init) ?? "reference.json"
        // Names from outside: only safe characters reach the file system.
        let safe = { (text: String) in String(text.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }) }
        let path = directory + "/" + "\(safe(model))-v\(safe(version.version))-\(safe(name))"
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// The version `model`'s URI names now, and its reference artifact downloaded.
    func fetch(_ model: String) async throws -> (version: ModelVersion, path: String) {
        let version = try await version(of: model)
        return (version, try await download(version, for: model))
    }
}

extension ReferenceProfile {
    /// This profile, as the reference of a registered model version.
    func registered(as version: ModelVersion) -> ReferenceProfile {
        var profile = self
        profile.modelVersion = RegisteredModelVersion(name: version.name, version: version.version)
        return profile
    }
}
