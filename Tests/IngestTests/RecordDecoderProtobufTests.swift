import DriftMonitor
import Foundation
import Ingest
import Testing

/// The hand-written wire decoder against messages packed by the committed protoc-c code.
@Suite("Protobuf InferenceLog records")
struct RecordDecoderProtobufTests {
    static let features = [
        Feature(name: "amount", kind: .numeric), Feature(name: "age", kind: .numeric), Feature(name: "device", kind: .categorical),
        Feature(name: "is_new", kind: .categorical), Feature(name: "vip", kind: .numeric),
    ]

    func decoder() throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare(Self.features)
        return RecordDecoder(space: space, maximumRecordBytes: 1 << 20)
    }

    func decode(_ bytes: [UInt8], _ decoder: inout RecordDecoder) throws(DecodeError) -> DecodedRow {
        var row = DecodedRow(space: decoder.space)
        let outcome = bytes.withUnsafeBytes { bytes in
            Result { () throws(DecodeError) in try decoder.decode(bytes, format: .protobuf, into: &row) }
        }
        try outcome.get()
        return row
    }

    @Test("Every value kind, the model and the event time come through; unknown features are skipped")
    func roundTrip() throws {
        var decoder = try decoder()
        let bytes = InferenceLogEncoder.encode(
            model: "fraud-detector", modelVersion: "7", requestID: "req-1", eventTimeMilliseconds: 1_795_000_000_123,
            features: [
                ("amount", .number(-12.5)), ("device", .category("ios")), ("is_new", .flag(true)), ("vip", .flag(false)),
                ("not_monitored", .category("x")), ("age", .number(41)),
            ])
        let row = try decode(bytes, &decoder)
        #expect(row.numeric == [-12.5, 41, 0])
        #expect(decoder.space.dictionaries[0].name(of: row.categorical[0]) == "ios")
        #expect(decoder.space.dictionaries[1].name(of: row.categorical[1]) == "true")
        #expect(row.timestampMilliseconds == 1_795_000_000_123)
        #expect(String(decoding: bytes[row.model], as: UTF8.self) == "fraud-detector")
        #expect(row.typeMismatches.isEmpty)
    }

    @Test("A value of the wrong kind is a type mismatch; an absent feature is missing")
    func typeMismatchAndMissing() throws {
        var decoder = try decoder()
        let bytes = InferenceLogEncoder.encode(
            model: "m", features: [("amount", .category("twelve")), ("device", .number(3))])
        let row = try decode(bytes, &decoder)
        #expect(row.numeric.allSatisfy { $0.isNaN })
        #expect(row.categorical.allSatisfy { $0 < 0 })
        #expect(Set(row.typeMismatches) == [0, 2])
        #expect(row.timestampMilliseconds == nil)  // proto3 leaves a zero time off the wire: the Kafka timestamp applies
    }

    @Test("Malformed messages fail with their reason", arguments: [
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], DecodeError.Reason.malformedProtobuf),  // 11-byte varint tag
        ([0x0A, 0x05, 0x61], .malformedProtobuf),  // model: 5 bytes announced, 1 present
        ([0x08, 0x01], .malformedProtobuf),  // model as a varint
        ([0x0B], .malformedProtobuf),  // a group
        ([0x00], .malformedProtobuf),  // field number 0
        ([0x2A, 0x02, 0x0A], .malformedProtobuf),  // features entry cut inside
        ([], .emptyValue),
        ([0x2A, 0x0D, 0x0A, 0x06, 0x64, 0x65, 0x76, 0x69, 0x63, 0x65, 0x12, 0x03, 0x12, 0x01, 0xFF], .invalidUTF8),  // device = "\xFF"
    ] as [([UInt8], DecodeError.Reason)])
    func malformed(bytes: [UInt8], reason: DecodeError.Reason) throws {
        var decoder = try decoder()
        do {
            _ = try decode(bytes, &decoder)
            Issue.record("decoded \(bytes)")
        } catch {
            #expect(error.reason == reason, "\(error)")
        }
    }

    @Test("A length of two varint bytes is one on the fast paths too: a category of 129 bytes with 128 present fails")
    func twoByteLength() throws {
        var decoder = try decoder()
        // Value: category (field 2), length varint [0x81, 0x01] = 129, then 128 bytes.
        let value: [UInt8] = [0x12, 0x81, 0x01] + [UInt8](repeating: 0x61, count: 128)
        var entry: [UInt8] = [0x0A, 0x06] + Array("device".utf8) + [0x12, UInt8(value.count & 0x7F) | 0x80, UInt8(value.count >> 7)]
        entry += value
        let bytes: [UInt8] = [0x2A, UInt8(entry.count & 0x7F) | 0x80, UInt8(entry.count >> 7)] + entry
        do {
            _ = try decode(bytes, &decoder)
            Issue.record("decoded a category cut short")
        } catch {
            #expect(error.reason == .malformedProtobuf, "\(error)")
        }
    }

    @Test("Every truncation of a valid message decodes or fails cleanly, never reading past the end")
    func truncations() throws {
        var decoder = try decoder()
        let bytes = InferenceLogEncoder.encode(
            model: "fraud-detector", requestID: "r", eventTimeMilliseconds: 1_795_000_000_000,
            features: [("amount", .number(3.25)), ("device", .category("android")), ("is_new", .flag(true))])
        var failures = 0
        for length in 1..<bytes.count {
            do {
                _ = try decode(Array(bytes[..<length]), &decoder)
            } catch {
                #expect(error.reason == .malformedProtobuf, "cut at \(length): \(error)")
                failures += 1
            }
        }
        // Cuts at a field boundary are valid, shorter messages; every other cut must fail.
        #expect(failures >= bytes.count - 8)
    }
}

extension RecordDecoderProtobufTests {
    /// Payloads of `bytes` decoded `times` times by one decoder (the second on takes the memos).
    func payloads(_ bytes: [UInt8], prediction: String, times: Int) throws -> [InferencePayload] {
        var space = FeatureSpace()
        try space.declare(Self.features + [Feature(name: "score", kind: .numeric)])
        var fields = JSONFields()
        fields.prediction = prediction
        var decoder = RecordDecoder(space: space, fields: fields)
        return try (0..<times).map { _ in
            var payload = InferencePayload(space: space)
            try bytes.withUnsafeBytes { buffer in
                Result { () throws(DecodeError) in try decoder.decode(buffer, format: .protobuf, into: &payload) }
            }.get()
            return payload
        }
    }

    @Test("The prediction is the predictions entry named by prediction_field, and the label field 7, for every copy decoded", arguments: [
        (InferenceLogEncoder.Value.number(0.8), 0.8, "", InferenceLogEncoder.Value.flag(true), 1.0, ""),
        (.flag(false), 0, "", .number(0), 0, ""),
        (.category("cat"), nil, "cat", .category("dog"), nil, "dog"),
    ] as [(InferenceLogEncoder.Value, Double?, String, InferenceLogEncoder.Value, Double?, String)])
    func predictionAndLabel(
        prediction: InferenceLogEncoder.Value, number: Double?, text: String, label: InferenceLogEncoder.Value, labelNumber: Double?, labelText: String
    ) throws {
        for name in ["score", "class"] {  // a monitored feature (prediction drift) or not
            let bytes = InferenceLogEncoder.encode(
                model: "m", requestID: "r-1", features: [("amount", .number(3)), ("age", .number(41))],
                predictions: [(name, prediction), ("other", .number(7))], label: label)
            for payload in try payloads(bytes, prediction: name, times: 3) {
                #expect(payload.predictionNumber == number)
                #expect(String(decoding: payload.prediction, as: UTF8.self) == text)
                #expect(payload.labelNumber == labelNumber)
                #expect(String(decoding: payload.label, as: UTF8.self) == labelText)
                #expect(String(decoding: payload.id, as: UTF8.self) == "r-1")
                #expect(payload.unknownFields == 1, "'other' only: the prediction's entry is not an unknown field")
                #expect(payload.rows[0].numeric[0] == 3)
            }
        }
    }
}
