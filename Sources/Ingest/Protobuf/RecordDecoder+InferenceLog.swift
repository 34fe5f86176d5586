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
///
/// For the model's performance, `label` is the row's label and the entry named
/// ``JSONFields/prediction`` its prediction: a number or flag as a number, a category as text.
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
        let bytes = record.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while !reader.atEnd {
            let start = reader.position
            // Most of a record is map entries shorter than 128 bytes: a one-byte tag and length.
            if bytes[start] == 0x2A || bytes[start] == 0x32 {
                if let known = numberEntries.match(bytes, at: start, end: reader.end, position: entries) {
                    let bits = UInt64(littleEndian: record.loadUnaligned(fromByteOffset: known.number, as: UInt64.self))
                    row.set(number: Double(bitPattern: bits), index: known.index, slot: known.slot)
                    reader.move(to: known.number + 8)
                    entries += 1
                    continue
                }
                if start + 1 < reader.end, bytes[start + 1] < 0x80, Int(bytes[start + 1]) <= reader.end - start - 2 {
                    let entry = (start + 2)..<(start + 2 + Int(bytes[start + 1]))
                    reader.move(to: entry.upperBound)
                    try decodeFeatureEntry(record, entry, position: entries, tag: start, into: &row)
                    entries += 1
                    continue
                }
            }
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
                (row.label, row.labelNumber) = try outcome(record, value)
                if let slot = labelSlot { try decodeValue(record, value, slot: slot, into: &row) }
            case Field.eventTime:
                guard wireType == .varint else { throw reader.error("event_time_ms has wire type \(wireType)", at: start) }
                row.timestampMilliseconds = Int64(bitPattern: try reader.varint())
            case Field.features, Field.predictions:
                guard wireType == .lengthDelimited else { throw reader.error("field \(field) (features or predictions) has wire type \(wireType)", at: start) }
                try decodeFeatureEntry(record, try reader.lengthDelimited(), position: entries, tag: nil, into: &row)
                entries += 1
            default:
                try reader.skip(wireType)
            }
        }
    }

    /// One `map<string, Value>` entry: key = 1, value = 2. `position` counts the message's
    /// entries, for the ``KeyMemo`` and the ``NumberEntryMemo``: an encoder writes a map in one
    /// order. `tag` is where the entry's one-byte tag is, when its length is one byte too.
    private mutating func decodeFeatureEntry(
        _ record: UnsafeRawBufferPointer, _ range: Range<Int>, position: Int, tag: Int?, into row: inout DecodedRow
    ) throws(DecodeError) {
        var key = range.lowerBound..<range.lowerBound
        var value: Range<Int>?
        var canonical = false
        let bytes = record.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // What encoders write: key then value, each with a one-byte tag and length.
        if range.count >= 4, bytes[range.lowerBound] == 0x0A, bytes[range.lowerBound + 1] < 0x80,
            case let keyEnd = range.lowerBound + 2 + Int(bytes[range.lowerBound + 1]), keyEnd + 2 <= range.upperBound,
            bytes[keyEnd] == 0x12, bytes[keyEnd + 1] < 0x80, keyEnd + 2 + Int(bytes[keyEnd + 1]) == range.upperBound
        {
            key = (range.lowerBound + 2)..<keyEnd
            value = (keyEnd + 2)..<range.upperBound
            canonical = true
        } else {
            var reader = ProtobufReader(record, range)
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
        }
        let name = UnsafeRawBufferPointer(rebasing: record[key])
        let isPrediction = predictionKey.map { name.elementsEqual($0) } ?? false
        if isPrediction, let value { (row.prediction, row.predictionNumber) = try outcome(record, value) }
        let found: Int?
        if let known = keyMemo.recall(name, at: position, topLevel: false) {
            found = known.field
        } else {
            found = field(named: name)
            keyMemo.remember(name, at: position, topLevel: false, KeyMemo.Meaning(field: found, reserved: nil))
        }
        guard let slot = found else {
            if !isPrediction { row.noteUnknownField(key) }
            return
        }
        guard let value, slot >= 0 else { return }
        // The prediction's entry must come through here each time, not through the memo.
        if canonical, !isPrediction, let tag, value.count == 9, bytes[value.lowerBound] == 0x09, space.features[slot].kind == .numeric {
            let prefix = UnsafeRawBufferPointer(rebasing: record[tag..<(value.lowerBound + 1)])
            numberEntries.remember(prefix, at: position, slot: slot, index: space.kindIndex[slot])
        }
        try decodeValue(record, value, slot: slot, into: &row)
    }

    /// A `Value` as a prediction or label: a category's text, or a number (a flag is 1 or 0);
    /// the last one set wins.
    private func outcome(_ record: UnsafeRawBufferPointer, _ range: Range<Int>) throws(DecodeError) -> (Range<Int>, Double?) {
        var text = 0..<0
        var number: Double?
        var reader = ProtobufReader(record, range)
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .fixed64): (text, number) = (0..<0, Double(bitPattern: try reader.fixed64()))
            case (2, .lengthDelimited): (text, number) = (try reader.lengthDelimited(), nil)
            case (3, .varint): (text, number) = (0..<0, try reader.varint() != 0 ? 1 : 0)
            case (1, _), (2, _), (3, _): throw reader.error("Value field \(field) has wire type \(wireType)", at: start)
            default: try reader.skip(wireType)
            }
        }
        return (text, number)
    }

    /// A `Vector`: its `values` (field 1) packed, as proto3 writes them, or one by one.
    private func decodeVector(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, index: Int, into row: inout DecodedRow) throws(DecodeError) {
        // A vector set again replaces the one before (the last oneof member wins).
        row.vectorLengths[index] = 0
        var reader = ProtobufReader(record, range)
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                let packed = try reader.lengthDelimited()
                guard packed.count % 8 == 0 else { throw reader.error("packed vector values of \(packed.count) bytes", at: start) }
                for offset in stride(from: packed.lowerBound, to: packed.upperBound, by: 8) {
                    let bits = UInt64(littleEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    row.appendVectorValue(Double(bitPattern: bits), index: index)
                }
            case (1, .fixed64):
                row.appendVectorValue(Double(bitPattern: try reader.fixed64()), index: index)
            case (1, _):
                throw reader.error("Vector field 1 has wire type \(wireType)", at: start)
            default:
                try reader.skip(wireType)
            }
        }
        if row.vectorLengths[index] == 0 { row.spoilVector(index) }
    }

    /// A `Value`: oneof number = 1 (double), category = 2 (string), flag = 3 (bool), vector = 4; the last one set wins.
    private mutating func decodeValue(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, slot: Int, into row: inout DecodedRow) throws(DecodeError) {
        let kind = space.features[slot].kind
        let index = space.kindIndex[slot]
        // A number alone: its tag and 8 bytes; a category alone: its tag, a one-byte length, the text.
        if range.count == 9, record[range.lowerBound] == 0x09, kind == .numeric {
            let bits = UInt64(littleEndian: record.loadUnaligned(fromByteOffset: range.lowerBound + 1, as: UInt64.self))
            return row.set(number: Double(bitPattern: bits), index: index, slot: slot)
        }
        if range.count >= 2, record[range.lowerBound] == 0x12, record[range.lowerBound + 1] < 0x80,
            Int(record[range.lowerBound + 1]) == range.count - 2
        {
            let text = (range.lowerBound + 2)..<range.upperBound
            return try setCategory(UnsafeRawBufferPointer(rebasing: record[text]), slot: slot, offset: text.lowerBound, into: &row)
        }
        var reader = ProtobufReader(record, range)
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
            case (4, .lengthDelimited):
                let vector = try reader.lengthDelimited()
                guard kind == .vector else {
                    row.typeMismatches.append(slot)
                    continue
                }
                try decodeVector(record, vector, index: index, into: &row)
            case (1, _), (2, _), (3, _), (4, _):
                throw reader.error("Value field \(field) has wire type \(wireType)", at: start)
            default:
                try reader.skip(wireType)
            }
        }
    }
}
