/// What an inference-message decoder reads besides the value: the Kafka key, the headers
/// that carry CloudEvent and Seldon attributes, and what the topic's name says.
///
/// Holds borrowed bytes (valid only while the message is); nothing is copied to build it.
public struct MessageEnvelope {
    public var key: UnsafeRawBufferPointer?
    /// `content-type`: `application/cloudevents+json` marks a structured-mode CloudEvent.
    public var contentType: UnsafeRawBufferPointer?
    /// `ce_type`, `ce_id`, `ce_time`, `ce_inferenceservicename`, `ce_component`: binary-mode
    /// CloudEvent attributes.
    public var eventType: UnsafeRawBufferPointer?
    public var eventID: UnsafeRawBufferPointer?
    public var eventTime: UnsafeRawBufferPointer?
    public var serviceName: UnsafeRawBufferPointer?
    /// KServe's component: `predictor`, `transformer` or `explainer`.
    public var component: UnsafeRawBufferPointer?
    /// `ce_metadata`: the logger's metadata headers, a JSON object of lists of strings.
    public var metadata: UnsafeRawBufferPointer?
    /// `seldon-infer-type`: `json/inferModelRequest`, `proto/InferModelResponse`, ...
    public var seldonInferType: UnsafeRawBufferPointer?
    /// `seldon-pipeline-errors`: the model whose error a message of Seldon's errors topic is.
    public var seldonErroredModel: UnsafeRawBufferPointer?
    /// From a Seldon topic name (`<prefix>.<namespace>.model.<model>.inputs|outputs`).
    public var topic: SeldonTopic?

    public init() {}

    /// The headers an envelope reads, by name.
    public static let headerNames = [
        "content-type", "ce_type", "ce_id", "ce_time", "ce_inferenceservicename", "seldon-infer-type", "seldon-pipeline-errors",
        "ce_component", "ce_metadata",
    ]

    /// Sets the attribute of a header named in ``headerNames``.
    public mutating func set(header index: Int, _ value: UnsafeRawBufferPointer?) {
        switch index {
        case 0: contentType = value
        case 1: eventType = value
        case 2: eventID = value
        case 3: eventTime = value
        case 4: serviceName = value
        case 5: seldonInferType = value
        case 6: seldonErroredModel = value
        case 7: component = value
        case 8: metadata = value
        default: break
        }
    }

    /// Whether `content-type` starts with `application/cloudevents` (case-insensitive).
    var isStructuredCloudEvent: Bool {
        guard let contentType else { return false }
        return Self.hasPrefix(contentType, "application/cloudevents", caseInsensitive: true)
    }

    /// The format of an `auto` topic's message.
    func format(of record: UnsafeRawBufferPointer) -> RecordDecoder.Format {
        if eventType != nil || isStructuredCloudEvent { return .kserve }
        if topic != nil || seldonInferType != nil { return .seldon }
        for byte in record {
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09: continue
            case UInt8(ascii: "{"): return .json
            default: return .protobuf
            }
        }
        return .json
    }

    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString, caseInsensitive: Bool = false) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        let start = prefix.utf8Start
        for i in 0..<prefix.utf8CodeUnitCount {
            var byte = bytes[i]
            if caseInsensitive, byte >= 0x41, byte <= 0x5A { byte |= 0x20 }
            if byte != start[i] { return false }
        }
        return true
    }

    static func hasSuffix(_ bytes: UnsafeRawBufferPointer, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let start = suffix.utf8Start
        for i in 0..<count where bytes[bytes.count - count + i] != start[i] { return false }
        return true
    }
}

/// A Seldon Core v2 topic, as seldon-core names them (scheduler/pkg/kafka/topics.go,
/// `TopicNamer`): `<prefix>.<namespace>.model.<model>.inputs|outputs`,
/// `<prefix>.<namespace>.pipeline.<pipeline>.inputs|outputs` and `<prefix>.<namespace>.errors.errors`.
/// The prefix may hold dots (`team.seldon`); the namespace and the model or pipeline name do
/// not (Seldon's own `GetModelNameFromModelInputTopic` splits on them), so the name is read
/// from the right.
public struct SeldonTopic: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case model, pipeline
        /// Errors of the namespace's models: each message names its model in the
        /// `seldon-pipeline-errors` header, and its value is the error's text.
        case errors
    }

    public var kind: Kind
    public var namespace: String
    /// The model or pipeline; empty for the errors topic.
    public var model: String
    public var role: InferencePayload.Role

    /// Parses a topic name; nil for any other topic (a pipeline step's tensor topics among them).
    public init?(_ topic: String) {
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        let last = parts.count - 1
        if parts[last] == "errors" && parts[last - 1] == "errors" {
            (kind, namespace, model, role) = (.errors, String(parts[last - 2]), "", .error)
            return
        }
        guard parts.count >= 5 else { return nil }
        switch parts[last] {
        case "inputs": role = .request
        case "outputs": role = .response
        default: return nil
        }
        switch parts[last - 2] {
        case "model": kind = .model
        case "pipeline": kind = .pipeline
        default: return nil
        }
        namespace = String(parts[last - 3])
        model = String(parts[last - 1])
    }
}
