import DriftMonitor
import Ingest
import KafkaIO

/// Where a model's true labels come from, and how long its predictions wait for them:
/// `labels: {topic: fraud-labels, id_field: request_id, label_field: label, max_delay: 6h, window: 1h}`.
///
/// The labels topic holds JSON messages, or with `format: protobuf` InferenceLog messages
/// whose `request_id` and `label` are read (the field names apply to JSON only).
public struct LabelSettings: Sendable, Hashable, Codable {
    /// The topic of `{"<id_field>": ..., "<label_field>": ...}` JSON messages; the model's own
    /// topics when a later copy of the record carries the label.
    public var topic: String
    public var idField = "request_id"
    public var labelField = "label"
    /// The labels topic's messages: `json` or `protobuf` (InferenceLog).
    public var format = RecordDecoder.Format.json
    /// How long a prediction waits for its label after its window closed (`6h`, `90m`).
    public var maxDelay = "6h"
    /// The span of prediction time whose joined records make one performance window.
    public var window = "1h"
    /// Most predictions (and early labels) waiting at once, each at most 64 bytes.
    public var maxWaiting = 1_000_000

    public init(topic: String) {
        self.topic = topic
    }

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case topic
        case idField = "id_field"
        case labelField = "label_field"
        case format
        case maxDelay = "max_delay"
        case window
        case maxWaiting = "max_waiting"
    }

    /// Every key but `topic` is optional; a missing key keeps its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = LabelSettings(topic: "")
        topic = try container.decode(String.self, forKey: .topic)
        idField = try container.decodeIfPresent(String.self, forKey: .idField) ?? defaults.idField
        labelField = try container.decodeIfPresent(String.self, forKey: .labelField) ?? defaults.labelField
        format = try container.decodeIfPresent(RecordDecoder.Format.self, forKey: .format) ?? defaults.format
        maxDelay = try container.decodeIfPresent(String.self, forKey: .maxDelay) ?? defaults.maxDelay
        window = try container.decodeIfPresent(String.self, forKey: .window) ?? defaults.window
        maxWaiting = try container.decodeIfPresent(Int.self, forKey: .maxWaiting) ?? defaults.maxWaiting
    }

    public var maxDelayMilliseconds: Int64 { get throws(PolicyError) { try WindowSettings.milliseconds(maxDelay, key: "max_delay") } }
    public var windowMilliseconds: Int64 { get throws(PolicyError) { try WindowSettings.milliseconds(window, key: "window") } }

    /// What is wrong with these settings, for the model `model`.
    func problems(model: String) -> [String] {
        var problems: [String] = []
        if let problem = TopicName.problem(topic) { problems.append("model \(model): labels.topic: \(problem)") }
        if idField.isEmpty || labelField.isEmpty { problems.append("model \(model): labels.id_field and labels.label_field must not be empty") }
        if format != .json && format != .protobuf {
            problems.append("model \(model): labels.format is json or protobuf (InferenceLog), not \(format.rawValue)")
        }
        do {
            _ = try maxDelayMilliseconds
            if try windowMilliseconds < 1 { problems.append("model \(model): labels.window must be longer than 0") }
        } catch {
            problems.append("model \(model): labels: \(error)")
        }
        if maxWaiting < 1 { problems.append("model \(model): labels.max_waiting must be at least 1") }
        return problems
    }
}
