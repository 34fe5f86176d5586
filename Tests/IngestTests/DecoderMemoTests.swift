import DriftKernels
import DriftMonitor
import Ingest
import Testing

/// A decoder remembers the keys (JSON) and the numeric map entries (protobuf) it saw at each
/// position, to skip parsing them next time. Whatever it has seen, a record must decode as a
/// new decoder decodes it.
@Suite("Decoding with remembered keys and entries")
struct DecoderMemoTests {
    static let features = [
        Feature(name: "amount", kind: .numeric), Feature(name: "amount_usd", kind: .numeric), Feature(name: "age", kind: .numeric),
        Feature(name: "device", kind: .categorical), Feature(name: "is_new", kind: .categorical), Feature(name: "x", kind: .numeric),
    ]
    /// Feature names, near misses of the same length or prefix, and a name the schema ignores.
    static let names = ["amount", "amount_usd", "age", "device", "is_new", "x", "amounT", "amount_usc", "ag", "y", "ignored"]

    static func decoder() throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare(features)
        try space.markBoolean("is_new")
        return RecordDecoder(space: space, ignoredFields: ["ignored"], maximumRecordBytes: 1 << 20)
    }

    /// What a row says, with categories by name (codes are each decoder's own).
    struct Outcome: Equatable {
        var numeric: [UInt64]
        var categories: [String?]
        var typeMismatches: [Int]
        var nonFinite: [Int]
        var model: Range<Int>
        var timestamp: Int64?
        var unknownFields: Int
        var firstUnknownField: Range<Int>
    }

    static func outcome(_ bytes: [UInt8], format: RecordDecoder.Format, _ decoder: inout RecordDecoder) -> Result<Outcome, DecodeError> {
        var row = DecodedRow(space: decoder.space)
        let decoded = bytes.withUnsafeBytes { bytes in
            Result { () throws(DecodeError) in try decoder.decode(bytes, format: format, into: &row) }
        }
        let space = decoder.space
        return decoded.map {
            Outcome(
                numeric: row.numeric.map { $0.isNaN ? Double.nan.bitPattern : $0.bitPattern },
                categories: row.categorical.enumerated().map { $1 < 0 ? nil : space.dictionaries[$0].name(of: $1) },
                typeMismatches: row.typeMismatches, nonFinite: row.nonFinite, model: row.model, timestamp: row.timestampMilliseconds,
                unknownFields: row.unknownFields, firstUnknownField: row.firstUnknownField)
        }
    }

    static func sameOutcome(_ a: Result<Outcome, DecodeError>, _ b: Result<Outcome, DecodeError>) -> Bool {
        switch (a, b) {
        case (.success(let a), .success(let b)): a == b
        case (.failure(let a), .failure(let b)): a.reason == b.reason && a.offset == b.offset
        default: false
        }
    }

    // MARK: - Protobuf

    enum Value {
        case number(Double), category(String), flag(Bool)
    }

    static func varint(_ value: Int, into bytes: inout [UInt8]) {
        var value = UInt64(value)
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func field(_ number: Int, _ payload: [UInt8], into bytes: inout [UInt8], wideLength: Bool) {
        bytes.append(UInt8(number << 3 | 2))
        if wideLength {
            // A length in two bytes where one would do: legal, not what encoders write.
            bytes += [UInt8(payload.count & 0x7F) | 0x80, UInt8(payload.count >> 7)]
        } else {
            varint(payload.count, into: &bytes)
        }
        bytes += payload
    }

    /// A `Value` message: canonical, or with an earlier field the last one overrides.
    static func value(_ value: Value, shadowed: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        if shadowed { bytes += [0x18, 0x01] }  // flag = true, then overridden
        switch value {
        case .number(let number):
            bytes.append(0x09)
            withUnsafeBytes(of: number.bitPattern.littleEndian) { bytes += $0 }
        case .category(let text): field(2, Array(text.utf8), into: &bytes, wideLength: false)
        case .flag(let flag): bytes += [0x18, flag ? 1 : 0]
        }
        return bytes
    }

    /// An InferenceLog, entries in `order`; `odd` entries are written in the legal ways
    /// encoders do not use (value before key, a two-byte length, an unknown field, a shadowed
    /// value).
    static func inferenceLog(_ entries: [(name: String, value: Value, odd: Int)], predictionsFrom: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        field(1, Array("model-a".utf8), into: &bytes, wideLength: false)
        bytes += [0x20, 0x80, 0xE0, 0x9E, 0x8C, 0xAD, 0x33]  // event_time_ms
        for (index, entry) in entries.enumerated() {
            var key: [UInt8] = []
            field(1, Array(entry.name.utf8), into: &key, wideLength: entry.odd == 2)
            var value: [UInt8] = []
            field(2, Self.value(entry.value, shadowed: entry.odd == 4), into: &value, wideLength: false)
            var payload = entry.odd == 1 ? value + key : key + value
            if entry.odd == 3 { payload += [0x18, 0x07] }  // field 3 of a map entry: unknown, skipped
            field(index < predictionsFrom ? 5 : 6, payload, into: &bytes, wideLength: entry.odd == 2)
        }
        return bytes
    }

    static func randomValue(_ rng: inout SeededGenerator) -> Value {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: .category(["ios", "android", "true", "0"].randomElement(using: &rng)!)
        case 1: .flag(Bool.random(using: &rng))
        case 2: .number([Double.nan, .infinity, -0.0, 1].randomElement(using: &rng)!)
        default: .number(Double.random(in: -1e6...1e6, using: &rng))
        }
    }

    /// Decodes 4,000 records of a few layouts (as producers write them, varied now and then)
    /// with one long-lived decoder and with a new one each, and expects the same outcome.
    /// `record` writes a record of the names given, in that order.
    static func compareWithNewDecoders(
        seed: UInt64, format: RecordDecoder.Format, record: (inout SeededGenerator, [String]) -> [UInt8]
    ) throws {
        var rng = SeededGenerator(seed: seed)
        var seasoned = try Self.decoder()
        let layouts = (0..<3).map { _ in Self.names.shuffled(using: &rng).prefix(Int.random(in: 3...8, using: &rng)).map { $0 } }
        var matched = 0
        for _ in 0..<4_000 {
            var names = layouts.randomElement(using: &rng)!
            if Int.random(in: 0..<5, using: &rng) == 0 { names.swapAt(0, names.count - 1) }
            var bytes = record(&rng, names)
            // A record cut short now and then: both must fail alike.
            if Int.random(in: 0..<10, using: &rng) == 0 { bytes.removeLast(Int.random(in: 1...min(12, bytes.count - 1), using: &rng)) }
            var fresh = try Self.decoder()
            let expected = Self.outcome(bytes, format: format, &fresh)
            let got = Self.outcome(bytes, format: format, &seasoned)
            #expect(Self.sameOutcome(got, expected), "\(bytes): \(got) vs \(expected)")
            if case .success = expected { matched += 1 }
        }
        #expect(matched > 3_000)
    }

    @Test("Protobuf: after any records, each decodes as with a new decoder", arguments: [UInt64(1), 2, 3])
    func protobufMatchesNewDecoder(seed: UInt64) throws {
        try Self.compareWithNewDecoders(seed: seed, format: .protobuf) { rng, names in
            let entries = names.map { name in
                (name: name, value: Self.randomValue(&rng), odd: Int.random(in: 0..<12, using: &rng) < 2 ? Int.random(in: 1...4, using: &rng) : 0)
            }
            return Self.inferenceLog(entries, predictionsFrom: Int.random(in: 0...entries.count, using: &rng))
        }
    }

    // MARK: - JSON

    static func jsonValue(_ rng: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: "\"" + ["ios", "android", "true", "0", "a\\\"b"].randomElement(using: &rng)! + "\""
        case 1: Bool.random(using: &rng) ? "true" : "false"
        case 2: ["null", "NaN", "-Infinity", "-0", "1e3", "12345678901234567", "0.1000000000000000055511151231257827"].randomElement(using: &rng)!
        case 3: "[1, {\"amount\": 2}]"
        default: String(format3: Double.random(in: -1e5...1e5, using: &rng))
        }
    }

    /// A key as written, sometimes with an escape that spells the same name.
    static func jsonKey(_ name: String, _ rng: inout SeededGenerator) -> String {
        guard Int.random(in: 0..<15, using: &rng) == 0, let first = name.unicodeScalars.first else { return "\"\(name)\"" }
        return "\"\\u00" + String(first.value, radix: 16) + name.dropFirst() + "\""
    }

    @Test("JSON: after any records, each decodes as with a new decoder", arguments: [UInt64(1), 2, 3])
    func jsonMatchesNewDecoder(seed: UInt64) throws {
        try Self.compareWithNewDecoders(seed: seed, format: .json) { rng, names in
            let space = [" ", "", "\n", "\t "][Int.random(in: 0..<4, using: &rng) < 3 ? 1 : Int.random(in: 0..<4, using: &rng)]
            let members = names.map { Self.jsonKey($0, &rng) + space + ":" + space + Self.jsonValue(&rng) }.joined(separator: "," + space)
            let text = Bool.random(using: &rng)
                ? "{\"model\":\"model-a\",\"timestamp\":1764000000123,\"features\":{\(members)},\"prediction\":0.25}"
                : "{" + members + "}"
            return Array(text.utf8)
        }
    }
}

extension String {
    /// Three decimals, as the demo's producer writes numbers.
    init(format3 value: Double) {
        let scaled = Int64((value * 1000).rounded())
        let sign = scaled < 0 ? "-" : ""
        let magnitude = scaled.magnitude
        let fraction = String(magnitude % 1000)
        self = sign + String(magnitude / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
