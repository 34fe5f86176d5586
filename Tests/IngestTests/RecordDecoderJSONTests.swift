import DriftMonitor
import Foundation
import Ingest
import Testing
import TestSupport

@Suite("JSON lines decoder")
struct RecordDecoderJSONTests {
    static let features = [
        Feature(name: "amount", kind: .numeric), Feature(name: "age", kind: .numeric), Feature(name: "device", kind: .categorical),
    ]

    func decoder() throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare(Self.features)
        return RecordDecoder(space: space, maximumRecordBytes: 1 << 20)
    }

    func decode(_ text: String, _ decoder: inout RecordDecoder) throws(DecodeError) -> DecodedRow {
        var row = DecodedRow(space: decoder.space)
        var bytes = Array(text.utf8)
        let count = bytes.count
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(DecodeError) in
            try decoder.decode(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), into: &row)
        }
        return row
    }

    @Test("The prediction and label keys are read when configured (numbers' text, strings' characters), skipped as metadata otherwise")
    func predictionAndLabel() throws {
        var space = FeatureSpace()
        try space.declare(Self.features)
        var fields = JSONFields()
        fields.prediction = "prediction"
        fields.label = "label"
        let record = Array(#"{"model":"m","request_id":"r-7","features":{"amount":3},"prediction":0.731,"label":"fraud"}"#.utf8)
        func decoded(by decoder: RecordDecoder) throws -> InferencePayload {
            var decoder = decoder
            var payload = InferencePayload(space: space)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: record.count, alignment: 1)
            defer { buffer.deallocate() }
            buffer.copyBytes(from: record)
            try decoder.decode(UnsafeRawBufferPointer(buffer), format: .json, into: &payload)
            return payload
        }
        let read = try decoded(by: RecordDecoder(space: space, fields: fields))
        let skipped = try decoded(by: try decoder())
        #expect(String(decoding: read.prediction, as: UTF8.self) == "0.731")
        #expect(read.predictionNumber == 0.731, "a number is parsed once, by the decoder")
        #expect(String(decoding: read.label, as: UTF8.self) == "fraud")
        #expect(read.labelNumber == nil)
        #expect(skipped.prediction.isEmpty && skipped.label.isEmpty && skipped.predictionNumber == nil)
        for payload in [read, skipped] {
            #expect(String(decoding: payload.id, as: UTF8.self) == "r-7")
            #expect(payload.unknownFields == 0, "prediction and label are never unknown fields")
            #expect(payload.rows[0].numeric[0] == 3)
        }
    }

    @Test("Nested and flat records give the same row; the model and timestamp are read")
    func nestedAndFlat() throws {
        var decoder = try decoder()
        let nested = try decode(
            #"{"model":"m1","timestamp":1764000000,"features":{"amount":12.5,"age":41,"device":"mobile"},"prediction":0.2}"#, &decoder)
        let flat = try decode(#"{"amount":12.5,"device":"mobile","age":41,"extra":[1,{"a":null}]}"#, &decoder)
        #expect(nested.numeric == [12.5, 41])
        #expect(flat.numeric == [12.5, 41])
        #expect(nested.categorical == flat.categorical)
        #expect(nested.timestampMilliseconds == 1_764_000_000_000)
        #expect(nested.model.count == 2)
    }

    @Test("Wrong-typed values are type mismatches, not errors; null is missing")
    func typeMismatches() throws {
        var decoder = try decoder()
        let row = try decode(#"{"amount":"12","age":null,"device":{"x":1}}"#, &decoder)
        #expect(row.numeric[0].isNaN && row.numeric[1].isNaN)
        #expect(row.categorical == [-1])
        #expect(row.typeMismatches.sorted() == [0, 2])
    }

    @Test("Numbers are the closest double, as Swift's own parser gives", arguments: [
        "0", "-0.0", "1e-7", "123456789012345678901234", "3.141592653589793238", "2.2250738585072014e-308", "1.7976931348623157e308",
        "0.1", "9007199254740993", "4.35", "-1234.5678e-12", "5e-324", "1E+2",
    ])
    func numbers(text: String) throws {
        var decoder = try decoder()
        let row = try decode(#"{"amount":\#(text)}"#, &decoder)
        #expect(row.numeric[0] == Double(text)!)
    }

    @Test("Malformed records fail with their reason", arguments: [
        ("", DecodeError.Reason.emptyValue),
        ("   ", .emptyValue),
        ("[1,2]", .notAnObject),
        ("\"text\"", .notAnObject),
        (#"{"amount":1"#, .malformedJSON),
        (#"{"amount":01}"#, .malformedJSON),
        (#"{"amount":1,}"#, .malformedJSON),
        (#"{"amount":1} trailing"#, .malformedJSON),
        (#"{"amount":tru}"#, .malformedJSON),
        (#"{"device":"bad \q escape"}"#, .malformedJSON),
        (String(repeating: #"{"a":"#, count: 100) + "1" + String(repeating: "}", count: 100), .tooDeep),
        (#"{"device":"\ud800"}"#, .invalidUTF8),
    ])
    func malformed(text: String, reason: DecodeError.Reason) throws {
        var decoder = try decoder()
        #expect(throws: DecodeError.self) { try decode(text, &decoder) }
        do {
            _ = try decode(text, &decoder)
        } catch {
            #expect(error.reason == reason, "\(text): \(error)")
        }
    }

    @Test("Invalid UTF-8 in a category and oversized records are rejected; null values are empty")
    func bytesLevel() throws {
        var decoder = try decoder()
        var row = DecodedRow(space: decoder.space)
        let invalid: [UInt8] = Array(#"{"device":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: DecodeError(.invalidUTF8, at: 11, "the value of 'device' is not UTF-8")) {
            try invalid.withUnsafeBytes { try decoder.decode($0, into: &row) }
        }
        #expect(throws: DecodeError.self) { try decoder.decode(nil, into: &row) }
        let large = Array(#"{"amount":1,"pad":""#.utf8) + [UInt8](repeating: 0x61, count: 2 << 20) + Array(#""}"#.utf8)
        do {
            try large.withUnsafeBytes { try decoder.decode($0, into: &row) }
            Issue.record("a 2 MiB record decoded past a 1 MiB limit")
        } catch let error as DecodeError {
            #expect(error.reason == .tooLarge)
        }
    }

    @Test("Quotes, escapes and control bytes are found at every offset of a string (eight bytes at a time)")
    func stringScanning() throws {
        var decoder = try decoder()
        for length in 0..<24 {
            let prefix = String(repeating: "é", count: length / 2) + String(repeating: "a", count: length % 2)
            let escaped = try decode(#"{"device":"\#(prefix)\"q\\\u00e9z"}"#, &decoder)
            #expect(decoder.space.dictionaries[0].name(of: escaped.categorical[0]) == prefix + "\"q\\éz")
            let plain = try decode(#"{"device":"\#(prefix)","amount":\#(length)}"#, &decoder)
            #expect(plain.numeric[0] == Double(length))
            #expect(decoder.space.dictionaries[0].name(of: plain.categorical[0]) == prefix)
            for control in ["\u{01}", "\n", "\t", "\u{1F}"] {
                let error = #expect(throws: DecodeError.self) { try decode("{\"device\":\"\(prefix)\(control)x\"}", &decoder) }
                #expect(error?.reason == .malformedJSON && error?.offset == 11 + prefix.utf8.count, "\(length) \(control.debugDescription)")
            }
        }
    }
}

@Suite("JSON numbers")
struct JSONNumberTests {
    /// Decimal strings of 1 to 19 significant digits, decimal point anywhere, leading zeros
    /// after it, optional exponent: every one must parse to the double strtod gives (correct
    /// rounding). Followed by another member, eight bytes are readable wherever a number's
    /// digits start (the eight-digit runs); at the end of the record, not.
    @Test("Numbers parse bit-for-bit like strtod", arguments: [UInt64(1), 2, 3, 4], [false, true])
    func matchesStrtod(seed: UInt64, followed: Bool) throws {
        var space = FeatureSpace()
        try space.declare([Feature(name: "x", kind: .numeric)])
        var decoder = RecordDecoder(space: space)
        var row = DecodedRow(space: space)
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<25_000 {
            let digits = Int.random(in: 1...19, using: &rng)
            var text = String(UInt64.random(in: 1...UInt64.max, using: &rng) % 10_000_000_000_000_000_000)
            text = String(text.prefix(digits))
            let point = Int.random(in: 0...text.count, using: &rng)
            let zeros = point == 0 ? String(repeating: "0", count: Int.random(in: 0...9, using: &rng)) : ""
            var number = point == 0 ? "0." + zeros + text : String(text.prefix(point)) + (point < text.count ? "." + text.dropFirst(point) : "")
            if Bool.random(using: &rng) { number = "-" + number }
            if Int.random(in: 0..<4, using: &rng) == 0 { number += "e-\(Int.random(in: 0...30, using: &rng))" }
            let record = Array((followed ? "{\"x\": \(number), \"y\": 1}" : "{\"x\": \(number)}").utf8)
            try record.withUnsafeBytes { try decoder.decode($0, into: &row) }
            let expected = strtod(number, nil)
            #expect(row.numeric[0].bitPattern == expected.bitPattern, "\(number): \(row.numeric[0]) vs \(expected)")
        }
    }
}

extension RecordDecoderJSONTests {
    @Test("A boolean label is 1 or 0; a prediction sent as a string keeps only its text", arguments: [
        (#"{"prediction":"0.25","label":true}"#, nil, "0.25", 1.0),
        (#"{"prediction":1e-3,"label":false}"#, 0.001, "1e-3", 0.0),
    ] as [(String, Double?, String, Double)])
    func booleanLabel(record: String, number: Double?, text: String, label: Double) throws {
        var space = FeatureSpace()
        try space.declare(Self.features)
        var fields = JSONFields()
        fields.prediction = "prediction"
        fields.label = "label"
        var decoder = RecordDecoder(space: space, fields: fields)
        var payload = InferencePayload(space: space)
        let bytes = Array(record.utf8)
        try bytes.withUnsafeBytes { buffer in
                Result { () throws(DecodeError) in try decoder.decode(buffer, format: .json, into: &payload) }
            }.get()
        #expect(payload.predictionNumber == number)
        #expect(String(decoding: payload.prediction, as: UTF8.self) == text)
        #expect(payload.labelNumber == label)
    }
}
