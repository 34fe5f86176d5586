/// The registered model version (MLflow) a reference came from: events and the status page
/// name it, so that a retraining lands on the version that drifted.
public struct RegisteredModelVersion: Sendable, Codable, Hashable, CustomStringConvertible {
    public var name: String
    public var version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    public var description: String { "\(name)/\(version)" }
}
