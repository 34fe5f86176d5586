import DriftMonitor
import HTTP

/// A driftwatch CloudEvent as the hook reads it from Kafka: the attributes and the data
/// fields a retraining action needs, and the message as it came.
///
/// Structured mode (the whole event in the value, `application/cloudevents+json`) and binary
/// mode (attributes in `ce_*` headers, the data in the value) are both read.
public struct RetrainingEvent: Sendable, Hashable {
    public var id: String
    public var type: String
    public var source: String
    public var time: String?
    public var model: String
    public var referenceVersion: String?
    public var windowStart: String?
    public var windowEnd: String?
    public var windowRecords: Int?
    /// The features (or quality checks) named in the evidence, in the event's order.
    public var features: [String]
    /// Each piece of evidence: the feature (nil for a model-wide check), the method, the score.
    public var evidence: [Evidence] = []
    /// The registered model version (MLflow) the agent's reference came from, if any.
    public var modelVersion: RegisteredModelVersion?

    public struct Evidence: Sendable, Hashable {
        public var feature: String?
        public var method: String
        public var score: Double
    }
    /// The event as structured-mode JSON: the message value, or for a binary-mode message the
    /// event rebuilt from its headers and data.
    public var json: [UInt8]

    /// The most bytes of a string field (id, type, model, a feature name, ...): the hook stores
    /// ids in the commit's metadata, logs the fields and passes them as environment variables.
    public static let maximumFieldBytes = 256
    /// The most bytes of the feature list a command gets (`DRIFTWATCH_FEATURES`), well under
    /// Linux's 128 KiB for one environment string.
    public static let maximumFeatureListBytes = 65_536

    /// Reads an event from a Kafka message's value and headers.
    /// - Throws: ``EventError`` naming the field that is missing, of the wrong type, too long
    ///   or holding a control character.
    public init(value: [UInt8], headers: [String: String]) throws(EventError) {
        let object: [String: JSONValue]
        do {
            guard let parsed = try JSONValue(parsing: value).object else { throw EventError.notAnObject }
            object = parsed
        } catch let error as JSONParseError {
            throw .malformedJSON(String(describing: error))
        } catch let error as EventError {
            throw error
        } catch {
            throw .malformedJSON(String(describing: error))
        }
        let attributes: [String: JSONValue]
        let data: [String: JSONValue]
        if let id = headers["ce_id"] {
            // Binary mode: the value is the data.
            var fromHeaders: [String: JSONValue] = ["id": .string(id)]
            for (name, value) in headers where name.hasPrefix("ce_") { fromHeaders[String(name.dropFirst(3))] = .string(value) }
            attributes = fromHeaders
            data = object
            var structured = fromHeaders
            structured["data"] = .object(object)
            json = JSONValue.object(structured).bytes
        } else {
            attributes = object
            guard let body = object["data"] else { throw .missing("data") }
            guard let body = body.object else { throw .wrongType("data", expected: "an object") }
            data = body
            json = value
        }
        id = try Self.string("id", in: attributes)
        type = try Self.string("type", in: attributes)
        source = try Self.string("source", in: attributes)
        time = try Self.optionalString("time", in: attributes)
        model = try Self.string("model", in: data, path: "data.")
        referenceVersion = try Self.optionalString("reference_version", in: data, path: "data.")
        if let window = data["window"] {
            guard let window = window.object else { throw .wrongType("data.window", expected: "an object") }
            windowStart = try Self.optionalString("start", in: window, path: "data.window.")
            windowEnd = try Self.optionalString("end", in: window, path: "data.window.")
            if let records = window["records"] {
                guard let number = records.number, let count = Int(exactly: number) else {
                    throw .wrongType("data.window.records", expected: "an integer")
                }
                windowRecords = count
            }
        }
        features = []
        if let evidence = data["features"] {
            guard let list = evidence.array else { throw .wrongType("data.features", expected: "an array") }
            for (index, item) in list.enumerated() {
                guard let entry = item.object else { throw .wrongType("data.features[\(index)]", expected: "an object") }
                let name = try entry["name"]?.string.map { name throws(EventError) in try Self.checked(name, "data.features[\(index)].name") }
                if let name { features.append(name) }
                if let method = try Self.optionalString("method", in: entry, path: "data.features[\(index)]."),
                    let score = entry["score"]?.number, score.isFinite
                {
                    self.evidence.append(Evidence(feature: name, method: method, score: score))
                }
            }
            guard features.reduce(0, { $0 + $1.utf8.count + 1 }) <= Self.maximumFeatureListBytes else {
                throw .invalid("data.features", "names more than \(Self.maximumFeatureListBytes) bytes of features")
            }
        }
        if let registered = data["model_version"], registered != .null {
            guard let registered = registered.object else { throw .wrongType("data.model_version", expected: "an object") }
            modelVersion = RegisteredModelVersion(
                name: try Self.string("name", in: registered, path: "data.model_version."),
                version: try Self.string("version", in: registered, path: "data.model_version."))
        }
    }

    /// What a command receives besides the JSON on stdin.
    public var environment: [String: String] {
        var variables = [
            "DRIFTWATCH_EVENT_ID": id,
            "DRIFTWATCH_EVENT_TYPE": type,
            "DRIFTWATCH_EVENT_SOURCE": source,
            "DRIFTWATCH_MODEL": model,
            "DRIFTWATCH_FEATURES": features.joined(separator: ","),
        ]
        variables["DRIFTWATCH_EVENT_TIME"] = time
        variables["DRIFTWATCH_REFERENCE_VERSION"] = referenceVersion
        variables["DRIFTWATCH_WINDOW_START"] = windowStart
        variables["DRIFTWATCH_WINDOW_END"] = windowEnd
        variables["DRIFTWATCH_WINDOW_RECORDS"] = windowRecords.map(String.init)
        return variables
    }

    private static func string(_ key: String, in object: [String: JSONValue], path: String = "") throws(EventError) -> String {
        guard let value = try optionalString(key, in: object, path: path) else { throw .missing(path + key) }
        return value
    }

    private static func optionalString(_ key: String, in object: [String: JSONValue], path: String = "") throws(EventError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard let text = value.string, !text.isEmpty else { throw .wrongType(path + key, expected: "a non-empty string") }
        return try checked(text, path + key)
    }

    /// `text`, if it is short enough to store and log and holds no control character (a
    /// newline would forge a log line or split the stored ids, a NUL cut an environment value).
    private static func checked(_ text: String, _ field: String) throws(EventError) -> String {
        let bytes = text.utf8.count
        guard bytes <= maximumFieldBytes else { throw .invalid(field, "has \(bytes) bytes, more than \(maximumFieldBytes)") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalid(field, "holds a control character")
        }
        return text
    }
}

/// Why a message is not a driftwatch event.
public enum EventError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformedJSON(String)
    case notAnObject
    case missing(String)
    case wrongType(String, expected: String)
    case invalid(String, String)

    /// A short label for metrics and the failed-events topic.
    public var reason: String {
        switch self {
        case .malformedJSON: "malformed_json"
        case .notAnObject: "not_an_object"
        case .missing: "missing_field"
        case .wrongType: "wrong_type"
        case .invalid: "invalid_field"
        }
    }

    public var description: String {
        switch self {
        case .malformedJSON(let detail): "not JSON: \(detail)"
        case .notAnObject: "not a JSON object"
        case .missing(let field): "no \(field)"
        case .wrongType(let field, let expected): "\(field) is not \(expected)"
        case .invalid(let field, let why): "\(field) \(why)"
        }
    }
}
