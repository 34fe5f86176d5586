import FoundationEssentials

extension AgentConfiguration {
    /// Reads a YAML configuration file.
    ///
    /// - `${NAME}` in a value is replaced by the environment variable `NAME` (an unset one is
    ///   an error), so secrets stay out of the file.
    /// - An unknown key, or a value of the wrong type, is an error naming its line and column.
    /// - Then the environment overrides of ``applyEnvironment(_:)`` apply.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AgentConfiguration {
        try parse(yaml: try ConfigurationFile.text(at: path), name: path, environment: environment)
    }

    /// Parses the YAML of a configuration file named `name` (see ``load(path:environment:)``).
    public static func parse(yaml text: String, name: String, environment: [String: String]) throws -> AgentConfiguration {
        let substituted = try substitute(text, environment: environment, name: name)
        try YAMLBounds.check(substituted, name: name)
        let root: YAMLNode?
        do {
            root = try YAMLNode.compose(substituted)
        } catch {
            throw ConfigurationError(description: "\(name): not valid YAML: \(error)")
        }
        var configuration = AgentConfiguration()
        if var root {
            if let problem = ConfigurationShape.agent.unknownKey(in: root) {
                throw ConfigurationError(description: "\(name): \(problem)")
            }
            let properties = try takeProperties(from: &root, name: name)
            do {
                configuration = try YAMLNodeDecoder.decode(AgentConfiguration.self, from: root)
            } catch let error as DecodingError {
                let node = root.descendant(at: ConfigurationError.codingPath(of: error))
                throw ConfigurationError(description: "\(name): \(ConfigurationShape.location(node)): \(ConfigurationError.describe(error, at: node))")
            }
            if let properties { configuration.kafka.properties = properties }
        }
        configuration.applyEnvironment(environment)
        return configuration
    }

    /// `kafka.properties`, read in one pass and taken out of `root`. The YAML decoder finds each
    /// key of a mapping by a linear search, which made 20,000 properties take a minute.
    static func takeProperties(from root: inout YAMLNode, name: String) throws -> [String: String]? {
        guard case .mapping(var top) = root, case .mapping(var kafka)? = top["kafka"], let node = kafka["properties"] else { return nil }
        guard case .mapping(let mapping) = node else {
            throw ConfigurationError(description: "\(name): \(ConfigurationShape.location(node)): kafka.properties: expected a mapping of librdkafka properties")
        }
        var properties: [String: String] = [:]
        properties.reserveCapacity(mapping.count)
        for (key, value) in mapping {
            guard case .scalar(let keyScalar) = key, case .scalar(let valueScalar) = value else {
                let bad = key.scalar == nil ? key : value
                throw ConfigurationError(description: "\(name): \(ConfigurationShape.location(bad)): kafka.properties: expected NAME: VALUE, a scalar each")
            }
            properties[keyScalar.string] = valueScalar.string
        }
        kafka["properties"] = nil
        top["kafka"] = .mapping(kafka)
        root = .mapping(top)
        return properties
    }

    /// Overrides from the environment, for what differs per deployment or is secret:
    /// `DRIFTWATCH_KAFKA_BOOTSTRAP`, `DRIFTWATCH_KAFKA_GROUP`, and
    /// `DRIFTWATCH_KAFKA_PROPERTY_<NAME>` for a librdkafka property, its name upper-cased
    /// with `.` written `_` and `_` written `__` (`DRIFTWATCH_KAFKA_PROPERTY_SASL_PASSWORD`
    /// sets `sasl.password`).
    public mutating func applyEnvironment(_ environment: [String: String]) {
        if let bootstrap = environment["DRIFTWATCH_KAFKA_BOOTSTRAP"] { kafka.bootstrap = bootstrap }
        if let group = environment["DRIFTWATCH_KAFKA_GROUP"] { kafka.group = group }
        let prefix = "DRIFTWATCH_KAFKA_PROPERTY_"
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) where key.hasPrefix(prefix) && key.count > prefix.count {
            let name = key.dropFirst(prefix.count).lowercased()
                .replacing("__", with: "\u{0}").replacing("_", with: ".")
                .replacing("\u{0}", with: "_")
            kafka.properties[name] = value
        }
    }

    /// Replaces `${NAME}` in every line that is not a comment.
    static func substitute(_ text: String, environment: [String: String], name: String) throws -> String {
        guard text.contains("${") else { return text }
        var lines: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#"), line.contains("${") else {
                lines.append(String(line))
                continue
            }
            var result = ""
            var rest = line[...]
            while let open = rest.firstRange(of: "${") {
                result += rest[..<open.lowerBound]
                guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                    throw ConfigurationError(description: "\(name): line \(number + 1): '${' without a closing '}'")
                }
                let variable = String(rest[open.upperBound..<close])
                guard let value = environment[variable] else {
                    throw ConfigurationError(description: "\(name): line \(number + 1): environment variable \(variable) is not set")
                }
                result += value
                rest = rest[rest.index(after: close)...]
            }
            lines.append(result + rest)
        }
        return lines.joined(separator: "\n")
    }
}
