/// An MLflow model URI naming an artifact of a registered model version's source run:
/// `models:/<name>@<alias>/<artifact path>` or `models:/<name>/<version>/<artifact path>`.
public struct ModelURI: Sendable, Hashable, CustomStringConvertible {
    public enum Selector: Sendable, Hashable {
        case alias(String)
        case version(String)
    }

    public var name: String
    public var selector: Selector
    /// The artifact's path in the run's artifacts, e.g. `reference/profile.json`.
    public var artifactPath: String

    public static let scheme = "models:/"

    /// Whether `text` is meant as a model URI (and should parse as one).
    public static func isModelURI(_ text: String) -> Bool { text.hasPrefix(scheme) }

    public init(name: String, selector: Selector, artifactPath: String) {
        self.name = name
        self.selector = selector
        self.artifactPath = artifactPath
    }

    public init(parsing text: String) throws(RegistryError) {
        guard text.hasPrefix(Self.scheme) else { throw .invalidURI(text, "it does not start with models:/") }
        let parts = text.dropFirst(Self.scheme.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.isEmpty else { throw .invalidURI(text, "no model name") }
        var rest = parts.dropFirst()
        if let at = first.firstIndex(of: "@") {
            name = String(first[..<at])
            let alias = String(first[first.index(after: at)...])
            guard !alias.isEmpty else { throw .invalidURI(text, "an empty alias") }
            selector = .alias(alias)
        } else {
            name = first
            guard let version = rest.first, !version.isEmpty, version.allSatisfy(\.isNumber) else {
                throw .invalidURI(text, "give models:/<name>@<alias>/<path> or models:/<name>/<version>/<path>")
            }
            selector = .version(version)
            rest = rest.dropFirst()
        }
        guard !name.isEmpty else { throw .invalidURI(text, "no model name") }
        guard !rest.isEmpty, rest.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw .invalidURI(text, "no artifact path after the version or alias (or one with empty, . or .. parts)")
        }
        artifactPath = rest.joined(separator: "/")
        guard text.utf8.count <= 4_096, text.allSatisfy({ $0.isASCII ? !$0.isWhitespace && $0 != "?" && $0 != "#" : true }) else {
            throw .invalidURI(text, "spaces, ? and # are not allowed")
        }
    }

    public var description: String {
        switch selector {
        case .alias(let alias): "models:/\(name)@\(alias)/\(artifactPath)"
        case .version(let version): "models:/\(name)/\(version)/\(artifactPath)"
        }
    }
}
