/// The top-level keys of a JSON record that are not features: where its features, model,
/// event time and request id are, and which other keys describe the record.
public struct JSONFields: Sendable, Hashable {
    /// An object of features; without it, the features are the record's other top-level keys.
    public var features = "features"
    /// The model's name (a string), to route the record.
    public var model = "model"
    /// Epoch seconds or milliseconds (a number).
    public var timestamp = "timestamp"
    /// The request id (a string or number), for the duplicate check.
    public var requestID = "request_id"
    /// Other top-level keys that describe the record: neither features nor unknown fields.
    public var metadata: [String] = ["id", "model_version", "prediction", "predictions", "label"]
    /// The key whose value (a string or number) names the record's segment, when models are
    /// segmented by a field (`segment_by: field:NAME`); not a feature then.
    public var segment: String?
    /// The key of the model's prediction, read for its performance; nil: not read.
    public var prediction: String?
    /// The key of the true label, read for the model's performance; nil: not read.
    public var label: String?
    /// The KServe logger's metadata header (its InferenceService's `logger.metadataHeaders`)
    /// whose first value names the segment (`segment_by: metadata:NAME`); matched without case.
    public var segmentMetadata: String?

    public init() {}

    /// The keys the decoder reads for what they say about the record; never features.
    public var roles: Set<String> { [features, model, timestamp, requestID] }

    /// Every top-level key that is not a feature unless the schema declares it one (a metadata
    /// key such as `prediction` can be, for prediction drift).
    public var reserved: Set<String> { roles.union(metadata).union([segment, prediction, label].compactMap { $0 }) }
}

extension JSONFields: Codable {
    package enum CodingKeys: String, CodingKey, CaseIterable {
        case features, model, timestamp, metadata
        case requestID = "request_id"
    }

    /// Every key is optional; a missing key keeps its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = JSONFields()
        features = try container.decodeIfPresent(String.self, forKey: .features) ?? defaults.features
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? defaults.model
        timestamp = try container.decodeIfPresent(String.self, forKey: .timestamp) ?? defaults.timestamp
        requestID = try container.decodeIfPresent(String.self, forKey: .requestID) ?? defaults.requestID
        metadata = try container.decodeIfPresent([String].self, forKey: .metadata) ?? defaults.metadata
    }
}
