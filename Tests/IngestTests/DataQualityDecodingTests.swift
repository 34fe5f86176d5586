import DriftMonitor
import Foundation
import Ingest
import Testing

/// What decoders tell data quality beyond values: non-finite numbers, request ids, fields
/// outside the schema, and booleans read from their usual spellings.
@Suite("Data quality in decoding")
struct DataQualityDecodingTests {
    static let features = [
        Feature(name: "amount", kind: .numeric), Feature(name: "device", kind: .categorical),
        Feature(name: "is_new", kind: .categorical), Feature(name: "prediction", kind: .numeric),
    ]

    func decoder(fields: JSONFields = JSONFields(), ignored: [String] = ["debug"]) throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare(Self.features)
        try space.markBoolean("is_new")
        return RecordDecoder(space: space, fields: fields, ignoredFields: ignored)
    }

    func decode(_ text: String, format: RecordDecoder.Format = .json, _ decoder: inout RecordDecoder) throws -> InferencePayload {
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(text: text).decode(format, with: &decoder, into: &payload)
        return payload
    }

    func slot(_ name: String, _ decoder: RecordDecoder) -> Int { decoder.space.slot(of: name)! }

    @Test(
        "NaN, Infinity and -Infinity (as Python writes them) and overflowing numbers are non-finite, left missing",
        arguments: ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
    func nonFiniteNumbers(literal: String) throws {
        var decoder = try decoder()
        let payload = try decode(#"{"features":{"amount":\#(literal),"device":\#(literal),"x":[NaN,-Infinity]},"prediction":0.5}"#, &decoder)
        let row = payload.rows[0]
        #expect(row.numeric[0].isNaN)
        #expect(row.nonFinite == [slot("amount", decoder), slot("device", decoder)])
        #expect(row.categorical[0] == -1)
        #expect(payload.numbers("prediction", in: decoder.space) == [0.5])
        // `nan` is not one of Python's spellings: still malformed.
        #expect(throws: DecodeError.self) { try decode(#"{"amount":nan}"#, &decoder) }
        #expect(throws: DecodeError.self) { try decode(#"{"amount":-NaN}"#, &decoder) }
    }

    @Test("The request id, a string or a number, becomes the payload's id; JSON keys follow json_fields")
    func requestIDs() throws {
        var decoder = try decoder()
        #expect(try decode(#"{"request_id":"r-17","amount":1}"#, &decoder).idString == "r-17")
        #expect(try decode(#"{"request_id":12345,"amount":1}"#, &decoder).idString == "12345")
        #expect(try decode(#"{"amount":1}"#, &decoder).idString == "")

        var fields = JSONFields()
        fields.features = "inputs"
        fields.model = "model_name"
        fields.timestamp = "ts"
        fields.requestID = "trace"
        fields.metadata = ["meta"]
        var custom = try self.decoder(fields: fields)
        let payload = try decode(
            #"{"model_name":"m2","ts":1764000000123,"trace":"t-9","meta":{"a":1},"inputs":{"amount":3,"device":"tv"}}"#, &custom)
        #expect(payload.modelString == "m2" && payload.idString == "t-9" && payload.timestampMilliseconds == 1_764_000_000_123)
        #expect(payload.numbers("amount", in: custom.space) == [3])
        #expect(payload.unknownFields == 0)
        // With other names configured, the default ones are ordinary fields.
        let other = try decode(#"{"model":"m","request_id":"r","inputs":{"amount":4}}"#, &custom)
        #expect(other.model.isEmpty && other.id.isEmpty && other.unknownFields == 2)
    }

    @Test("Fields outside the schema are counted with the first one's name; metadata and ignored fields are not")
    func unknownFields() throws {
        var decoder = try decoder()
        let nested = try decode(
            #"{"model":"m","id":"x","label":1,"prediction":0.1,"features":{"amount":1,"debug":"on","color":"red","\u0073ize":2}}"#, &decoder)
        #expect(nested.unknownFields == 2)
        #expect(String(decoding: nested.unknownFieldName, as: UTF8.self) == "color")
        let flat = try decode(#"{"model":"m","amount":1,"debug":true,"extra_flag":false}"#, &decoder)
        #expect(flat.unknownFields == 1 && String(decoding: flat.unknownFieldName, as: UTF8.self) == "extra_flag")
        // In the features object, metadata names are fields like any other.
        #expect(try decode(#"{"features":{"amount":1,"model_version":"3"}}"#, &decoder).unknownFields == 1)
        #expect(try decode(#"{"features":{"amount":1,"device":"tv"},"debug":1}"#, &decoder).unknownFields == 0)
    }

    @Test("A boolean feature reads true/false, 1/0 and their capitalised spellings; anything else is a type mismatch")
    func booleans() throws {
        var decoder = try decoder()
        let accepted: [(String, String)] = [
            ("true", "true"), ("false", "false"), ("1", "true"), ("0", "false"), ("1.0", "true"), (#""True""#, "true"),
            (#""FALSE""#, "false"), (#""1""#, "true"), (#""0""#, "false"),
        ]
        for (value, expected) in accepted {
            let payload = try decode(#"{"is_new":\#(value)}"#, &decoder)
            #expect(payload.categories("is_new", in: decoder.space) == [expected], "\(value)")
            #expect(payload.rows[0].typeMismatches.isEmpty)
        }
        for value in [#""yes""#, "2", "-1", #""tru""#, #""truee""#] {
            let payload = try decode(#"{"is_new":\#(value)}"#, &decoder)
            #expect(payload.categories("is_new", in: decoder.space) == [nil], "\(value)")
            #expect(payload.rows[0].typeMismatches == [slot("is_new", decoder)], "\(value)")
        }
        #expect(decoder.space.dictionaries[decoder.space.kindIndex[slot("is_new", decoder)]].names.sorted() == ["false", "true"])
    }

    @Test("InferenceLog protobuf: request id, predictions as features, the label, NaN and unknown feature names")
    func inferenceLog() throws {
        var space = FeatureSpace()
        try space.declare(Self.features + [Feature(name: "label", kind: .categorical)])
        var decoder = RecordDecoder(space: space, ignoredFields: ["debug"])
        let value = InferenceLogEncoder.encode(
            model: "m", requestID: "req-1", eventTimeMilliseconds: 5,
            features: [
                ("amount", .number(.infinity)), ("device", .category("tv")), ("debug", .number(1)), ("colour", .category("red")),
                ("size", .number(2)),
            ])
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(value: value).decode(.protobuf, with: &decoder, into: &payload)
        #expect(payload.idString == "req-1")
        #expect(payload.rows[0].nonFinite == [space.slot(of: "amount")!])
        #expect(payload.unknownFields == 2 && String(decoding: payload.unknownFieldName, as: UTF8.self) == "colour")

        // predictions (field 6) and label (field 7), written by hand: map entry {1: name, 2: Value{1: double}}.
        func entry(_ name: String, _ number: Double) -> [UInt8] {
            let value: [UInt8] = [0x09] + withUnsafeBytes(of: number.bitPattern.littleEndian, Array.init)
            let body: [UInt8] = [0x0A, UInt8(name.utf8.count)] + Array(name.utf8) + [0x12, UInt8(value.count)] + value
            return body
        }
        let prediction = entry("prediction", 0.75)
        let label: [UInt8] = [0x12, 0x01, UInt8(ascii: "1")]  // Value{category: "1"}
        let message = [0x32, UInt8(prediction.count)] + prediction + [0x3A, UInt8(label.count)] + label
        try InferenceMessage(value: message).decode(.protobuf, with: &decoder, into: &payload)
        #expect(payload.numbers("prediction", in: decoder.space) == [0.75])
        #expect(payload.categories("label", in: decoder.space) == ["1"])
    }

    @Test("Tensors: an unmapped tensor is an unknown field; NaN in a typed Seldon tensor is non-finite")
    func tensors() throws {
        var decoder = try decoder()
        let body = #"""
            {"id":"r1","inputs":[{"name":"amount","shape":[2],"datatype":"FP64","data":[1.5,NaN]},
            {"name":"embedding","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}
            """#
        let headers = ["ce_type": "org.kubeflow.serving.inference.request", "ce_id": "r1", "ce_inferenceservicename": "m"]
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(headers: headers, text: body).decode(.kserve, with: &decoder, into: &payload)
        #expect(payload.rowCount == 2)
        #expect(payload.rows[1].nonFinite == [slot("amount", decoder)])
        #expect(payload.unknownFields == 1 && String(decoding: payload.unknownFieldName, as: UTF8.self) == "embedding")

        let request = ModelInferEncoder.request(
            model: "m", id: "r2", inputs: [.init(name: "amount", shape: [3], values: .fp64([.nan, 2, -.infinity]))])
        try InferenceMessage(topic: "seldon.ns.model.m.inputs", key: "r2", value: request).decode(.seldon, with: &decoder, into: &payload)
        #expect(payload.rows[0..<payload.rowCount].map(\.nonFinite.count) == [1, 0, 1])
        #expect(payload.numbers("amount", in: decoder.space).map { $0.isNaN ? -1 : $0 } == [-1, 2, -1])
        #expect(payload.unknownFields == 0)
    }

    @Test("CSV: a declared boolean reads its spellings, and inf or nan leave a number missing")
    func csv() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("quality-\(UUID()).csv")
        try "amount,is_new\n1.5,True\ninf,0\n-inf,1\nnan,maybe\n2.5,false\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try CSVFile(path: url.path)
        let contents = try file.read(
            features: [Feature(name: "amount", kind: .numeric), Feature(name: "is_new", kind: .categorical)], booleans: ["is_new"])
        #expect(contents.batch.numeric[0].map { $0.isNaN ? -1 : $0 } == [1.5, -1, -1, -1, 2.5])
        let names = contents.batch.categorical[0].map { $0 < 0 ? "-" : contents.dictionaries[0].name(of: $0) }
        #expect(names == ["true", "false", "true", "-", "false"])
    }
}
