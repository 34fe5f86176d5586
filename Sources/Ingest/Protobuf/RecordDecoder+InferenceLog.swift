import DriftMonitor

/// `driftwatch.v1.InferenceLog` records (proto/driftwatch/v1/inference_log.proto), read from
/// the wire format directly: the model name is a range of the record, features are looked up
/// by their name's bytes, and nothing is allocated.
///
/// A `Value` sets a numeric feature from `number` or `flag` (1 or 0), and a categorical one
/// from `category` or `flag` ("true" or "false"); any other pairing is a type mismatch. An
/// unset `Value` is a missing value. Predictions are features like the inputs (prediction
/// drift), and the label is the feature named `label` if the schema has one. A feature name
/// the schema does not know is counted as an unknown field, unless ignored.
extension RecordDecoder {
    private enum Field {
        static let model: UInt64 = 1
        static let requestID: UInt64 = 3
        static let eventTime: UInt64 = 4
        static let features: UInt64 = 5
        static let predictions: UInt64 = 6
        static let label: UInt64 = 7
    }

    mutating func decodeInferenceLog(_ record: UnsafeRawBufferPointer, into row: inout DecodedRow) throws(DecodeError) {
        var reader = ProtobufReader(record, 0..<record.count)
        var entries = 0
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            switch field {
            case Field.model:
                guard wireType == .lengthDelimited else { throw reader.error("model has wire type \(wireType)", at: start) }
                row.model = try reader.lengthDelimited()
            case Field.requestID:
                guard wireType == .lengthDelimited else { throw reader.error("request_id has wire type \(wireType)", at: start) }
                row.requestID = try reader.lengthDelimited()
            case Field.label:
                guard wireType == .lengthDelimited else { throw reader.error("label has wire type \(wireType)", at: start) }
                let value = try reader.lengthDelimited()
                if let slot = labelSlot { try decodeValue(record, value, slot: slot, into: &row) }
            case Field.eventTime:
                guard wireType == .varint else { throw reader.error("event_time_ms has wire type \(wireType)", at: start) }
                row.timestampMilliseconds = Int64(bitPattern: try reader.varint())
            case Field.features, Field.predictions:
                guard wireType == .lengthDelimited else { throw reader.error("field \(field) (features or predictions) has wire type \(wireType)", at: start) }
                try decodeFeatureEntry(record, try reader.lengthDelimited(), position: entries, into: &row)
                entries += 1
            default:
                try reader.skip(wireType)
            }
        }
    }

    /// One `map<string, Value>` entry: key = 1, value = 2. `position` counts the message's
    /// entries, for the ``KeyMemo``: an encoder writes a map in one order.
    private mutating func decodeFeatureEntry(
        _ record: UnsafeRawBufferPointer, _ range: Range<Int>, position: Int, into row: inout DecodedRow
    ) throws(DecodeError) {
        var reader = ProtobufReader(record, range)
        var key = range.lowerBound..<range.lowerBound
        var value: Range<Int>?
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited): key = try reader.lengthDelimited()
            case (2, .lengthDelimited): value = try reader.lengthDelimited()
            case (1, _), (2, _): throw reader.error("map entry field \(field) has wire type \(wireType)", at: start)
            default: try reader.skip(wireType)
            }
        }
        let name = UnsafeRawBufferPointer(rebasing: record[key])
        let found: Int?
        if let known = keyMemo.recall(name, at: position, topLevel: false) {
            found = known.field
        } else {
            found = field(named: name)
            keyMemo.remember(name, at: position, topLevel: false, KeyMemo.Meaning(field: found, reserved: nil))
        }
        guard let slot = found else {
            row.noteUnknownField(key)
            return
        }
        guard let value, slot >= 0 else { return }
        try decodeValue(record, value, slot: slot, into: &row)
    }

    /// A `Value`: oneof number = 1 (double), category = 2 (string), flag = 3 (bool); the last one set wins.
    private mutating func decodeValue(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, slot: Int, into row: inout DecodedRow) throws(DecodeError) {
        var reader = ProtobufReader(record, range)
        let kind = space.features[slot].kind
        let index = space.kindIndex[slot]
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .fixed64):
                let number = Double(bitPattern: try reader.fixed64())
                if kind == .numeric {
                    row.set(number: number, index: index, slot: slot)
                } else {
                    row.typeMismatches.append(slot)
                }
            case (2, .lengthDelimited):
                let text = try reader.lengthDelimited()
                try setCategory(UnsafeRawBufferPointer(rebasing: record[text]), slot: slot, offset: text.lowerBound, into: &row)
            case (3, .varint):
                setFlag(try reader.varint() != 0, slot: slot, into: &row)
            case (1, _), (2, _), (3, _):
                throw reader.error("Value field \(field) has wire type \(wireType)", at: start)
            default:
                try reader.skip(wireType)
            }
        }
    }
}
