import DriftMonitor

/// JSON records: one object per record, features in a `"features"` object or at the top
/// level (flat records); `"model"` routes the record and `"timestamp"` (epoch seconds or
/// milliseconds) dates it. Other keys are skipped. A value of the wrong type (a string for a
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
        while true {
            scanner.skipWhitespace()
            let key = try scanner.string()
            scanner.skipWhitespace()
            guard scanner.consume(UInt8(ascii: ":")) else { throw scanner.error(.malformedJSON, "expected ':' after a key") }
            scanner.skipWhitespace()
            if topLevel, try decodeReservedKey(key, &scanner, into: &row) {
                // consumed
            } else if let slot = try slot(of: key, in: scanner) {
                try decodeFeatureValue(slot: slot, &scanner, into: &row)
            } else {
                try scanner.skipValue()
            }
            scanner.skipWhitespace()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            if scanner.consume(UInt8(ascii: "}")) { break }
            throw scanner.error(.malformedJSON, scanner.atEnd ? "the record ends inside an object" : "expected ',' or '}'")
        }
        scanner.leave()
    }

    /// `"features"`, `"model"` and `"timestamp"`: true if the key was one of them and its value was read.
    mutating func decodeReservedKey(
        _ key: JSONScanner.StringToken, _ scanner: inout JSONScanner, into row: inout DecodedRow
    ) throws(DecodeError) -> Bool {
        if scanner.matches(key, "features"), scanner.peek() == UInt8(ascii: "{") {
            try decodeObject(&scanner, into: &row, topLevel: false)
            return true
        }
        if scanner.matches(key, "model") {
            if scanner.peek() == UInt8(ascii: "\"") {
                row.model = try scanner.string().range
            } else {
                try scanner.skipValue()
            }
            return true
        }
        if scanner.matches(key, "timestamp") {
            if let first = scanner.peek(), first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) {
                let value = try scanner.number()
                // Epoch seconds below 1e11 (until the year 5138), milliseconds above.
                let milliseconds = value < 1e11 ? value * 1000 : value
                if milliseconds.isFinite && abs(milliseconds) < 9e15 { row.timestampMilliseconds = Int64(milliseconds) }
            } else {
                try scanner.skipValue()
            }
            return true
        }
        return false
    }

    mutating func slot(of key: JSONScanner.StringToken, in scanner: JSONScanner) throws(DecodeError) -> Int? {
        if key.hasEscapes {
            try scanner.unescape(key, into: &scratch)
            return scratch.withUnsafeBytes { slot(named: $0) }
        }
        return slot(named: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[key.range]))
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
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = scanner.position
            let value = try scanner.number()
            if kind == .numeric {
                row.numeric[index] = value
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
