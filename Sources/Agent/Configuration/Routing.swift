/// Where a record's model name comes from (`route_by`).
public enum Routing: Sendable, Hashable {
    /// The record's own: its JSON model field, its CloudEvent's service name, its Seldon topic.
    case field
    /// The Kafka message key.
    case key
    /// A Kafka message header.
    case header(String)

    /// `field`, `key` or `header:NAME`.
    static func parse(_ text: String) -> Result<Routing, ConfigurationError> {
        if text == "field" { return .success(.field) }
        if text == "key" { return .success(.key) }
        if let name = named(text, "header:") { return .success(.header(name)) }
        return .failure(ConfigurationError(description: "'\(text)' is not field, key or header:NAME"))
    }
}

extension Routing: CustomStringConvertible {
    public var description: String {
        switch self {
        case .field: "field"
        case .key: "key"
        case .header(let name): "header:\(name)"
        }
    }
}

/// The NAME of `prefix:NAME`, if `text` is one with a name.
private func named(_ text: String, _ prefix: String) -> String? {
    text.hasPrefix(prefix) && text.count > prefix.count ? String(text.dropFirst(prefix.count)) : nil
}

/// Where a segmented model's segment value comes from (`segment_by`).
public enum SegmentSource: Sendable, Hashable {
    /// The Kafka message key.
    case key
    /// A Kafka message header.
    case header(String)
    /// A top-level field of JSON records.
    case field(String)
    /// A header the KServe logger keeps in its events' metadata (``JSONFields/segmentMetadata``).
    case metadata(String)

    /// `key`, `header:NAME`, `field:NAME` or `metadata:NAME`.
    static func parse(_ text: String) -> Result<SegmentSource, ConfigurationError> {
        if text == "key" { return .success(.key) }
        if let name = named(text, "header:") { return .success(.header(name)) }
        if let name = named(text, "field:") { return .success(.field(name)) }
        if let name = named(text, "metadata:") { return .success(.metadata(name)) }
        return .failure(ConfigurationError(description: "'\(text)' is not key, header:NAME, field:NAME or metadata:NAME"))
    }

    /// Where the pipeline reads it: a field or metadata is the decoder's (``JSONFields/segment``,
    /// ``JSONFields/segmentMetadata``).
    var routing: Routing {
        switch self {
        case .key: .key
        case .header(let name): .header(name)
        case .field, .metadata: .field
        }
    }
}

extension SegmentSource: CustomStringConvertible {
    public var description: String {
        switch self {
        case .key: "key"
        case .header(let name): "header:\(name)"
        case .field(let name): "field:\(name)"
        case .metadata(let name): "metadata:\(name)"
        }
    }
}

/// A setting written as one string (`header:NAME`): read by its parser, written as its description,
/// so a configuration encodes back to its YAML form.
protocol TextualSetting: Codable, CustomStringConvertible {
    static func parse(_ text: String) -> Result<Self, ConfigurationError>
}

extension TextualSetting {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Self.parse(text).get()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Routing: TextualSetting {}
extension SegmentSource: TextualSetting {}
