/// A registered model version, as events and the status page name it.
public struct ModelVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var version: String
    /// The run the version was registered from: its artifacts hold the reference.
    public var runID: String

    public init(name: String, version: String, runID: String) {
        self.name = name
        self.version = version
        self.runID = runID
    }

    enum CodingKeys: String, CodingKey {
        case name, version
        case runID = "run_id"
    }

    public var description: String { "\(name)/\(version)" }
}
