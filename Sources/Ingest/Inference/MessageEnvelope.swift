/// What an inference-message decoder reads besides the value: the Kafka key, the headers
/// that carry CloudEvent and Seldon attributes, and what the topic's name says.
///
/// Holds borrowed bytes (valid only while the message is); nothing is copied to build it.
public struct MessageEnvelope {
    public var key: UnsafeRawBufferPointer?
    /// `content-type`: `application/cloudevents+json` marks a structured-mode CloudEvent.
    public var contentType: UnsafeRawBufferPointer?
    /// `ce_type`, `ce_id`, `ce_time`, `ce_inferenceservicename`: binary-mode CloudEvent attributes.
    public var eventType: UnsafeRawBufferPointer?
    public var eventID: UnsafeRawBufferPointer?
    public var eventTime: UnsafeRawBufferPointer?
    public var serviceName: UnsafeRawBufferPointer?
    /// `seldon-infer-type`: `json/inferModelRequest`, `proto/InferModelResponse`, ...
    public var seldonInferType: UnsafeRawBufferPointer?
    /// From a Seldon topic name (`<prefix>.<namespace>.model.<model>.inputs|outputs`).
    public var topic: SeldonTopic?

    public init() {}

    /// The headers an envelope reads, by name.
    public static let headerNames = ["content-type", "ce_type", "ce_id", "ce_time", "ce_inferenceservicename", "seldon-infer-type"]

    /// Sets the attribute of a header named in ``headerNames``.
    public mutating func set(header index: Int, _ value: UnsafeRawBufferPointer?) {
        switch index {
        case 0: contentType = value
        case 1: eventType = value
        case 2: eventID = value
        case 3: eventTime = value
        case 4: serviceName = value
        case 5: seldonInferType = value
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

/// A Seldon Core v2 model topic: `<prefix>.<namespace>.model.<model>.inputs` or `.outputs`.
public struct SeldonTopic: Sendable, Hashable {
    public var namespace: String
    public var model: String
    public var role: InferencePayload.Role

    /// Parses a topic name; nil for any other topic (pipelines, errors, tensor step topics).
    public init?(_ topic: String) {
        // Model names may hold dots (Kubernetes names are DNS subdomains); the prefix and namespace do not.
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[2] == "model" else { return nil }
        switch parts[parts.count - 1] {
        case "inputs": role = .request
        case "outputs": role = .response
        default: return nil
        }
        namespace = String(parts[1])
        model = parts[3..<(parts.count - 1)].joined(separator: ".")
    }
}
