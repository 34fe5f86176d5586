import DriftMonitor

/// JSON records: one object per record, features in a `"features"` object or at the top
/// level (flat records); `"model"` routes the record, `"timestamp"` (epoch seconds or
/// milliseconds) dates it and `"request_id"` identifies it (the keys are ``JSONFields``).
/// Other keys are skipped: ignored fields and metadata silently, others counted as unknown
/// fields for the schema check. NaN and infinities (which Python writes) are non-finite
/// values, counted for data quality. A value of the wrong type (a string for a
/// numeric feature, an object anywhere) is a type mismatch counted for data quality, not a
/// decode error; input that is not JSON is a ``DecodeError``, for the dead-letter topic.
extension RecordDecoder {
    /// One JSON object (the record's bytes are non-empty and within the size limit).
    mutating func decodeJSON(_ record: UnsafeRawBufferPointer, into row: inout DecodedRow) throws(DecodeError) {
        let base = record.baseAddress!
        var scanner = JSONScanner(
            UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: record.count), maximumDepth: maximumDepth)
        scanner.skipWhitespace()
        guard let first = scanner.peek() else { throw DecodeError(.emptyValue, at: 0, "the record is only whitespace") }
        guard first == UInt8(ascii: "{") else {
            try scanner.skipValue()
            throw DecodeError(.notAnObject, at: 0, "the record is a JSON \(JSONScanner.typeName(of: first)), not an object")
        }
        try decodeObject(&scanner, into: &row, topLevel: true)
        scanner.skipWhitespace()
        if !scanner.atEnd {
            throw scanner.error(.malformedJSON, "unexpected bytes after the object")
        }
    }

    /// The record's loop over members, written out rather than through ``JSONScanner/members(_:)``:
    /// it is the hot path of every JSON record.
    mutating func decodeObject(_ scanner: inout JSONScanner, into row: inout DecodedRow, topLevel: Bool) throws(DecodeError) {
        try scanner.enter()
        scanner.position += 1  // '{'
        scanner.skipWhitespace()
        if scanner.consume(UInt8(ascii: "}")) {
            scanner.leave()
            return
        }
        var position = 0
        while true {
            scanner.skipWhitespace()
            let key: JSONScanner.StringToken
            let meaning: KeyMemo.Meaning
            if let known = keyMemo.recall(quotedAt: scanner.position, in: scanner.bytes, at: position, topLevel: topLevel) {
                key = JSONScanner.StringToken(range: (scanner.position + 1)..<(scanner.position + 1 + known.count), hasEscapes: false)
                scanner.position = key.range.upperBound + 1
                meaning = known.meaning
            } else {
                key = try scanner.string()
                let name = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[key.range])
                meaning = KeyMemo.Meaning(field: try field(of: key, in: scanner), reserved: topLevel ? reservedNames.lookup(name) : nil)
                if !key.hasEscapes { keyMemo.remember(name, at: position, topLevel: topLevel, meaning) }
            }
            scanner.skipWhitespace()
            guard scanner.consume(UInt8(ascii: ":")) else { throw scanner.error(.malformedJSON, "expected ':' after a key") }
            scanner.skipWhitespace()
            position += 1
            let reserved = meaning.reserved
            if let reserved, reserved < 7, try decodeReservedKey(Int(reserved), key, &scanner, into: &row) {
                // consumed
            } else if reserved == 0 && meaning.field == nil {
                // Taken as a record with every feature missing, it would hide that the producer is broken.
                let found = scanner.peek().map(JSONScanner.typeName(of:)) ?? "nothing"
                throw scanner.error(.featuresNotAnObject, "the features key holds a JSON \(found), not an object")
            } else if let field = meaning.field {
                if field >= 0 {
                    try decodeFeatureValue(slot: field, &scanner, into: &row)
                } else {
                    try scanner.skipValue()
                }
            } else {
                if reserved == nil { row.noteUnknownField(key.range) }
                try scanner.skipValue()
            }
            scanner.skipWhitespace()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            if scanner.consume(UInt8(ascii: "}")) { break }
            throw scanner.error(.malformedJSON, scanner.atEnd ? "the record ends inside an object" : "expected ',' or '}'")
        }
        scanner.leave()
    }

    /// The ``JSONFields`` features (0), model (1), timestamp (2), request id (3) and segment
    /// (4): true if the value was read as that.
    mutating func decodeReservedKey(
        _ reserved: Int, _ key: JSONScanner.StringToken, _ scanner: inout JSONScanner, into row: inout DecodedRow
    ) throws(DecodeError) -> Bool {
        let first = scanner.peek()
        switch reserved {
        case 0:
            guard first == UInt8(ascii: "{") else { return false }
            try decodeObject(&scanner, into: &row, topLevel: false)
        case 1:
            guard first == UInt8(ascii: "\"") else { return false }
            row.model = try scanner.string().range
        case 2:
            guard let first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else { return false }
            let value = try scanner.number()
            // Epoch seconds below 1e11 (until the year 5138), milliseconds above.
            let milliseconds = value < 1e11 ? value * 1000 : value
            if milliseconds.isFinite && abs(milliseconds) < 9e15 { row.timestampMilliseconds = Int64(milliseconds) }
        default:
            // A string's characters, or a number's text.
            let start = scanner.position
            let range: Range<Int>
            var number: Double?
            if first == UInt8(ascii: "\"") {
                range = try scanner.string().range
            } else if let first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) {
                number = try scanner.number()
                range = start..<scanner.position
            } else if reserved >= 5, first == UInt8(ascii: "t") || first == UInt8(ascii: "f") {
                // A boolean prediction or label is a binary model's 1 or 0.
                number = try scanner.boolean() ? 1 : 0
                range = start..<scanner.position
            } else {
                return false
            }
            switch reserved {
            case 3: row.requestID = range
            case 4: row.segment = range
            case 5: (row.prediction, row.predictionNumber) = (range, number)
            default: (row.label, row.labelNumber) = (range, number)
            }
        }
        return true
    }

    /// What the key names: a feature's slot, -1 for an ignored field, nil for neither.
    mutating func field(of key: JSONScanner.StringToken, in scanner: JSONScanner) throws(DecodeError) -> Int? {
        if key.hasEscapes {
            try scanner.unescape(key, into: &scratch)
            return scratch.withUnsafeBytes { field(named: $0) }
        }
        return field(named: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[key.range]))
    }

    /// One coordinate of vector feature `index` (an element of a JSON array, or of a tensor's
    /// row): a number is appended, anything else spoils the vector (a type mismatch).
    static func decodeVectorElement(_ scanner: inout JSONScanner, index: Int, into row: inout DecodedRow) throws(DecodeError) {
        switch scanner.peek() ?? 0 {
        case let byte where JSONScanner.startsNumber(byte):
            row.appendVectorValue(try scanner.number(), index: index)
        default:
            try scanner.skipValue()
            row.spoilVector(index)
        }
    }

    mutating func decodeFeatureValue(slot: Int, _ scanner: inout JSONScanner, into row: inout DecodedRow) throws(DecodeError) {
        let kind = space.features[slot].kind
        let index = space.kindIndex[slot]
        guard let first = scanner.peek() else { throw scanner.error(.malformedJSON, "the record ends before a value") }
        switch first {
        case UInt8(ascii: "\""):
            let token = try scanner.string()
            if token.hasEscapes && kind == .categorical {
                try scanner.unescape(token, into: &scratch)
                // Moved out of self: setCategory mutates self while the bytes are borrowed.
                var bytes: [UInt8] = []
                swap(&bytes, &scratch)
                defer { swap(&bytes, &scratch) }
                let outcome = bytes.withUnsafeBytes { bytes in
                    Result { () throws(DecodeError) in try setCategory(bytes, slot: slot, offset: token.range.lowerBound, into: &row) }
                }
                try outcome.get()
            } else {
                try setCategory(
                    UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[token.range]), slot: slot,
                    offset: token.range.lowerBound, into: &row)
            }
        case UInt8(ascii: "[") where kind == .vector:
            try scanner.elements { (_, scanner) throws(DecodeError) in try Self.decodeVectorElement(&scanner, index: index, into: &row) }
            // An empty array is a vector of the wrong length, not a missing one.
            if row.vectorLengths[index] == 0 { row.spoilVector(index) }
        case let byte where JSONScanner.startsNumber(byte):
            let start = scanner.position
            let value = try scanner.number()
            if kind == .vector {
                row.typeMismatches.append(slot)
            } else if kind == .numeric {
                row.set(number: value, index: index, slot: slot)
            } else if !value.isFinite {
                row.nonFinite.append(slot)
            } else if space.isBoolean[slot] {
                setBoolean(number: value, slot: slot, into: &row)
            } else {
                // A numeric code (zip code, class id) is a category named by its text.
                let text = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[start..<scanner.position])
                row.categorical[index] = space.dictionaries[index].code(for: text) ?? space.dictionaries[index].overflowCode
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            setFlag(try scanner.boolean(), slot: slot, into: &row)
        case UInt8(ascii: "n"):
            try scanner.null()
        default:
            try scanner.skipValue()
            row.typeMismatches.append(slot)
        }
    }
}
