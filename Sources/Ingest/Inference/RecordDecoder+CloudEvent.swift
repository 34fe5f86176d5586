import DriftMonitor

/// KServe inference-logger CloudEvents (kserve pkg/logger/worker.go), as a Knative KafkaSink
/// writes them (formats.md §1, §3):
///
/// - binary mode (the default): attributes in `ce_` headers, the body is the value and
///   `content-type` its media type;
/// - structured mode (`content-type: application/cloudevents+json`): the value is the event,
///   a JSON body under `"data"`, any other (`datacontenttype`) base64 under `"data_base64"`.
///   The CloudEvents Python SDK's Kafka binding (cloudevents/kafka/conversion.py,
///   `to_structured`) labels the value with the data's type instead, so a JSON object with
///   `specversion` and no `ce_type` header is a structured event too.
///
/// `type` `org.kubeflow.serving.inference.request` / `.response` gives the role, `id` joins
/// the two, `inferenceservicename` names the model and `time` dates the rows. The logger logs
/// the body of the HTTP exchange as it was: JSON, JSON followed by binary tensor data (the
/// binary data extension, ``decodeBodyWithBinaryData(_:into:)``), or a gRPC message
/// (`application/grpc`: a 5-byte frame around the protobuf `ModelInferRequest`/`Response`).
///
/// `component` keeps an InferenceService's parts apart: a predictor's rows (or rows with no
/// component) go to the model `<inferenceservicename>`, a transformer's or an explainer's to
/// `<inferenceservicename>/<component>`, and each component's halves join only each other.
extension RecordDecoder {
    mutating func decodeCloudEvent(
        _ record: UnsafeRawBufferPointer, envelope: MessageEnvelope, into payload: inout InferencePayload
    ) throws(DecodeError) {
        if envelope.isStructuredCloudEvent || (envelope.eventType == nil && record.first(where: { $0 > 0x20 }) == UInt8(ascii: "{")) {
            try decodeStructuredCloudEvent(record, declared: envelope.isStructuredCloudEvent, into: &payload)
            return
        }
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
        Self.separate(component: envelope.component, of: &payload)
        if segmentMetadata != nil, let metadata = envelope.metadata { try segment(fromMetadata: metadata, into: &payload) }
        try decodeLoggedBody(record, contentType: envelope.contentType, into: &payload)
    }

    /// A predictor's rows keep the service's name and the event id; another component's get
    /// their own model and join key (a transformer may pass its `Ce-Id` on to the predictor).
    private static func separate(component: UnsafeRawBufferPointer?, of payload: inout InferencePayload) {
        guard let component, !component.isEmpty, !(component.count == 9 && MessageEnvelope.hasPrefix(component, "predictor")) else {
            return
        }
        payload.id.append(UInt8(ascii: "#"))
        payload.id.append(contentsOf: component)
        payload.model.append(UInt8(ascii: "/"))
        payload.model.append(contentsOf: component)
    }

    /// The HTTP body the logger captured, by its media type.
    private mutating func decodeLoggedBody(
        _ body: UnsafeRawBufferPointer, contentType: UnsafeRawBufferPointer?, into payload: inout InferencePayload
    ) throws(DecodeError) {
        if let contentType, MessageEnvelope.hasPrefix(contentType, "application/grpc", caseInsensitive: true) {
            return try decodeGRPCMessage(body, into: &payload)
        }
        try decodeBodyWithBinaryData(body, into: &payload)
    }

    /// A unary gRPC message: a compressed flag, a 4-byte big-endian length, the protobuf.
    private mutating func decodeGRPCMessage(_ body: UnsafeRawBufferPointer, into payload: inout InferencePayload) throws(DecodeError) {
        guard body.count >= 5 else { throw DecodeError(.malformedProtobuf, at: 0, "a gRPC message shorter than its 5-byte frame") }
        guard body[0] == 0 else {
            throw DecodeError(.malformedProtobuf, at: 0, "a compressed gRPC message (grpc-encoding); log uncompressed messages")
        }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard length == body.count - 5 else {
            throw DecodeError(.malformedProtobuf, at: 1, "a gRPC frame of \(length) bytes around \(body.count - 5): one unary message expected")
        }
        try decodeModelInferProtobuf(UnsafeRawBufferPointer(rebasing: body[5...]), into: &payload)
    }

    /// The event object; its attributes may come in any order, so the data is read last.
    /// `declared`: the content type says it is an event; otherwise it must have `specversion`.
    private mutating func decodeStructuredCloudEvent(
        _ record: UnsafeRawBufferPointer, declared: Bool, into payload: inout InferencePayload
    ) throws(DecodeError) {
        var scanner = JSONScanner(record.assumingMemoryBound(to: UInt8.self), maximumDepth: maximumDepth)
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
        var contentType: Range<Int>?
        var component: Range<Int>?
        var metadata: JSONScanner.StringToken?
        var specversion = false
        try scanner.members { (key, scanner) throws(DecodeError) in
            let isString = scanner.peek() == UInt8(ascii: "\"")
            if scanner.matches(key, "specversion") { specversion = true }
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
            } else if isString && scanner.matches(key, "datacontenttype") {
                contentType = try scanner.string().range
            } else if isString && scanner.matches(key, "component") {
                component = try scanner.string().range
            } else if isString && segmentMetadata != nil && scanner.matches(key, "metadata") {
                metadata = try scanner.string()
            } else {
                try scanner.skipValue()
            }
        }
        scanner.skipWhitespace()
        if !scanner.atEnd { throw scanner.error(.malformedJSON, "unexpected bytes after the object") }
        guard declared || specversion else {
            throw DecodeError(.missingHeader, at: 0, "no ce_type header, and the value is not a structured-mode event (no specversion)")
        }
        guard let type else { throw DecodeError(.malformedCloudEvent, at: 0, "the event has no \"type\"") }
        guard let id, !id.isEmpty else { throw DecodeError(.malformedCloudEvent, at: 0, "the event has no \"id\"") }
        payload.role = Self.role(ofEventType: UnsafeRawBufferPointer(rebasing: bytes[type]))
        payload.id.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[id]))
        Self.separate(component: component.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }, of: &payload)
        if let metadata {
            var text = metadataText
            try scanner.unescape(metadata, into: &text)
            metadataText = text
            try text.withUnsafeBufferPointer { (text) throws(DecodeError) in
                try segment(fromMetadata: UnsafeRawBufferPointer(text), into: &payload)
            }
        }
        if var data {
            guard data.peek() == UInt8(ascii: "{") else {
                throw DecodeError(.malformedCloudEvent, at: data.position, "\"data\" is not a JSON object")
            }
            try decodeInferenceBody(&data, into: &payload)
            if !binaryTensors.isEmpty {
                throw DecodeError(.malformedTensor, at: data.position, "tensors declare binary data, which a JSON \"data\" cannot carry")
            }
        } else if let base64 {
            guard let decoded = Self.base64Decoded(UnsafeRawBufferPointer(rebasing: bytes[base64])) else {
                throw DecodeError(.malformedCloudEvent, at: base64.lowerBound, "\"data_base64\" is not base64")
            }
            let mediaType = contentType.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
            try decoded.withUnsafeBufferPointer { (body) throws(DecodeError) in
                try decodeLoggedBody(UnsafeRawBufferPointer(body), contentType: mediaType, into: &payload)
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

extension RecordDecoder {
    /// The segment from the logger's metadata (kserve pkg/logger/handler.go keeps the
    /// configured request headers as `{"Header-Name": ["value", ...]}`): the first value of the
    /// header named by ``JSONFields/segmentMetadata``, its name matched without case. A message
    /// without that header has no segment.
    mutating func segment(fromMetadata text: UnsafeRawBufferPointer, into payload: inout InferencePayload) throws(DecodeError) {
        guard let wanted = segmentMetadata else { return }
        var scanner = JSONScanner(text.assumingMemoryBound(to: UInt8.self), maximumDepth: 4)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw DecodeError(.malformedCloudEvent, at: 0, "the metadata attribute is not a JSON object of header values")
        }
        var value: JSONScanner.StringToken?
        try scanner.members { (key, scanner) throws(DecodeError) in
            let name = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[key.range])
            guard value == nil, !key.hasEscapes, name.count == wanted.count,
                zip(name, wanted).allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 })
            else { return try scanner.skipValue() }
            if scanner.peek() == UInt8(ascii: "\"") {
                value = try scanner.string()
            } else if scanner.peek() == UInt8(ascii: "[") {
                try scanner.elements { (index, scanner) throws(DecodeError) in
                    if index == 0 && scanner.peek() == UInt8(ascii: "\"") { value = try scanner.string() } else { try scanner.skipValue() }
                }
            } else {
                try scanner.skipValue()
            }
        }
        guard let value else { return }
        var segment = payload.segment
        try scanner.unescape(value, into: &segment)
        payload.segment = segment
    }
}
