import DriftMonitor

/// KServe inference-logger CloudEvents, as a Knative KafkaSink writes them (formats.md §1, §3):
///
/// - binary mode (the default): attributes in `ce_` headers, the value is the JSON body;
/// - structured mode (`content-type: application/cloudevents+json`): the value is the event,
///   the body under `"data"` (or base64 under `"data_base64"`).
///
/// `type` `org.kubeflow.serving.inference.request` / `.response` gives the role, `id` joins
/// the two, `inferenceservicename` names the model and `time` dates the rows.
extension RecordDecoder {
    mutating func decodeCloudEvent(
        _ record: UnsafeRawBufferPointer, envelope: MessageEnvelope, into payload: inout InferencePayload
    ) throws(DecodeError) {
        var scanner = JSONScanner(record.assumingMemoryBound(to: UInt8.self), maximumDepth: maximumDepth)
        if envelope.isStructuredCloudEvent {
            try decodeStructuredCloudEvent(&scanner, into: &payload)
        } else {
            guard let type = envelope.eventType else {
                throw DecodeError(.missingHeader, at: 0, "no ce_type header and the content-type is not application/cloudevents")
            }
            guard let id = envelope.eventID, !id.isEmpty else {
                throw DecodeError(.missingHeader, at: 0, "no ce_id header: the request and its response cannot be joined")
            }
            payload.role = Self.role(ofEventType: type)
            payload.id.append(contentsOf: id)
            if let service = envelope.serviceName { payload.model.append(contentsOf: service) }
            if let time = envelope.eventTime { payload.timestampMilliseconds = RFC3339.milliseconds(time) }
            scanner.skipWhitespace()
            try decodeInferenceBody(&scanner, into: &payload)
        }
        scanner.skipWhitespace()
        if !scanner.atEnd { throw scanner.error(.malformedJSON, "unexpected bytes after the object") }
    }

    /// The event object; its attributes may come in any order, so the data is read last.
    private mutating func decodeStructuredCloudEvent(_ scanner: inout JSONScanner, into payload: inout InferencePayload) throws(DecodeError) {
        scanner.skipWhitespace()
        guard let first = scanner.peek() else { throw DecodeError(.emptyValue, at: 0, "the record is only whitespace") }
        guard first == UInt8(ascii: "{") else {
            throw DecodeError(.notAnObject, at: scanner.position, "the event is a JSON \(JSONScanner.typeName(of: first)), not an object")
        }
        let bytes = UnsafeRawBufferPointer(scanner.bytes)
        var type: Range<Int>?
        var id: Range<Int>?
        var data: JSONScanner?
        var base64: Range<Int>?
        try scanner.members { (key, scanner) throws(DecodeError) in
            let isString = scanner.peek() == UInt8(ascii: "\"")
            if scanner.matches(key, "data") {
                data = scanner
                try scanner.skipValue()
            } else if isString && scanner.matches(key, "type") {
                type = try scanner.string().range
            } else if isString && scanner.matches(key, "id") {
                id = try scanner.string().range
            } else if isString && scanner.matches(key, "time") {
                payload.timestampMilliseconds = RFC3339.milliseconds(UnsafeRawBufferPointer(rebasing: bytes[try scanner.string().range]))
            } else if isString && scanner.matches(key, "inferenceservicename") {
                payload.model.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[try scanner.string().range]))
            } else if isString && scanner.matches(key, "data_base64") {
                base64 = try scanner.string().range
            } else {
                try scanner.skipValue()
            }
        }
        guard let type else { throw DecodeError(.malformedCloudEvent, at: 0, "the event has no \"type\"") }
        guard let id, !id.isEmpty else { throw DecodeError(.malformedCloudEvent, at: 0, "the event has no \"id\"") }
        payload.role = Self.role(ofEventType: UnsafeRawBufferPointer(rebasing: bytes[type]))
        payload.id.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[id]))
        if var data {
            guard data.peek() == UInt8(ascii: "{") else {
                throw DecodeError(.malformedCloudEvent, at: data.position, "\"data\" is not a JSON object")
            }
            try decodeInferenceBody(&data, into: &payload)
        } else if let base64 {
            guard let decoded = Self.base64Decoded(UnsafeRawBufferPointer(rebasing: bytes[base64])) else {
                throw DecodeError(.malformedCloudEvent, at: base64.lowerBound, "\"data_base64\" is not base64")
            }
            try decoded.withUnsafeBufferPointer { (body) throws(DecodeError) in
                var inner = JSONScanner(body, maximumDepth: maximumDepth)
                inner.skipWhitespace()
                try decodeInferenceBody(&inner, into: &payload)
                inner.skipWhitespace()
                if !inner.atEnd { throw inner.error(.malformedJSON, "unexpected bytes after the decoded data") }
            }
        }
    }

    static func role(ofEventType type: UnsafeRawBufferPointer) -> InferencePayload.Role {
        if MessageEnvelope.hasSuffix(type, "inference.request") { return .request }
        if MessageEnvelope.hasSuffix(type, "inference.response") { return .response }
        return .complete
    }

    /// Standard base64 (RFC 4648 §4, padding optional); nil on any other byte.
    static func base64Decoded(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return padding <= 2 ? output : nil
    }
}
