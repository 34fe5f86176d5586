import DriftMonitor
import Ingest

/// The keys a configuration file may use, from the configuration types' coding keys, so that a
/// misspelt key is an error naming its line instead of a setting silently left at its default.
indirect enum ConfigurationShape: Sendable {
    /// A value of no further structure (a string, number or boolean; its type is the decoder's to check).
    case scalar
    case list(ConfigurationShape)
    /// A mapping whose keys are data (tensor names, librdkafka properties, feature names).
    case map(ConfigurationShape)
    /// A mapping with a fixed set of keys.
    case object([String: ConfigurationShape])

    static let agent: ConfigurationShape = .object(
        keys(AgentConfiguration.CodingKeys.self, [
            .kafka: .object(
                keys(AgentConfiguration.Kafka.CodingKeys.self, [
                    .topics: .list(.scalar), .properties: .map(.scalar), .topicFormats: .map(.scalar),
                    .security: .object(keys(KafkaSecurity.CodingKeys.self, [:])),
                ])),
            .models: .list(
                .object(
                    keys(AgentConfiguration.Model.CodingKeys.self, [
                        .schema: .map(.scalar), .match: .list(.scalar),
                        .window: .object(keys(WindowSettings.CodingKeys.self, [:])),
                        .labels: .object(keys(LabelSettings.CodingKeys.self, [:])),
                        .policy: .object(
                            keys(DriftPolicy.CodingKeys.self, [
                                .quality: .object(Dictionary(uniqueKeysWithValues: QualityCheck.allCases.map { ($0.rawValue, .scalar) })),
                                .performance: .map(.object(keys(PerformancePolicy.RuleKey.self, [:]))),
                            ])),
                    ]))),
            .tensors: .map(.list(.scalar)),
            .jsonFields: .object(keys(JSONFields.CodingKeys.self, [.metadata: .list(.scalar)])),
            .metrics: .object(keys(AgentConfiguration.Metrics.CodingKeys.self, [:])),
            .scaleOut: .object(keys(ScaleOutSettings.CodingKeys.self, [:])),
        ]))

    /// Every key of `type`, scalar unless `nested` says otherwise.
    private static func keys<Key: CodingKey & CaseIterable & Hashable>(
        _ type: Key.Type, _ nested: [Key: ConfigurationShape]
    ) -> [String: ConfigurationShape] {
        Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.stringValue, nested[$0] ?? .scalar) })
    }

    /// The first key `node` has that this shape does not allow, as a message naming its line.
    func unknownKey(in node: YAMLNode, path: String = "") -> String? {
        switch (self, node) {
        case (.object(let allowed), .mapping(let mapping)):
            for (key, value) in mapping {
                let name = key.string ?? "\(key)"
                let here = path.isEmpty ? name : "\(path).\(name)"
                guard let shape = allowed[name] else {
                    let known = allowed.keys.sorted()
                    let suggestion = known.min { $0.editDistance(to: name) < $1.editDistance(to: name) }
                        .flatMap { $0.editDistance(to: name) <= 2 ? " (did you mean '\($0)'?)" : nil } ?? ""
                    return "\(Self.location(key)): unknown key '\(here)'\(suggestion); known keys\(path.isEmpty ? "" : " of \(path)"): \(known.joined(separator: ", "))"
                }
                if let problem = shape.unknownKey(in: value, path: here) { return problem }
            }
        case (.map(let element), .mapping(let mapping)):
            for (key, value) in mapping {
                let here = path.isEmpty ? (key.string ?? "") : "\(path).\(key.string ?? "")"
                if let problem = element.unknownKey(in: value, path: here) { return problem }
            }
        case (.list(let element), .sequence(let sequence)):
            for (index, value) in sequence.elements.enumerated() {
                if let problem = element.unknownKey(in: value, path: "\(path)[\(index)]") { return problem }
            }
        default:
            break  // a type mismatch: the decoder reports it with its line
        }
        return nil
    }

    static func location(_ node: YAMLNode) -> String {
        node.mark.map { "line \($0.line), column \($0.column)" } ?? "(unknown line)"
    }
}

extension YAMLNode {
    /// The node at a decoder's coding path, or the deepest one that exists on the way.
    func descendant(at path: [any CodingKey]) -> YAMLNode {
        guard let first = path.first else { return self }
        let next: YAMLNode?
        switch self {
        case .mapping(let mapping): next = mapping[first.stringValue]
        case .sequence(let sequence): next = first.intValue.flatMap { $0 >= 0 && $0 < sequence.count ? sequence[$0] : nil }
        default: next = nil
        }
        return next?.descendant(at: Array(path.dropFirst())) ?? self
    }
}

extension String {
    /// Levenshtein distance, for "did you mean" on short keys.
    func editDistance(to other: String) -> Int {
        let a = Array(utf8)
        let b = Array(other.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
