import DriftMonitor

/// Decodes one JSON object per record into a ``DecodedRow``, without Foundation and without
/// allocating per record.
///
/// Features are read from a `"features"` object or from the top level (flat records);
/// `"model"` routes the record and `"timestamp"` (epoch seconds or milliseconds) dates it.
/// Other keys are skipped. A value of the wrong type (a string for a numeric feature, an
/// object anywhere) is a type mismatch counted for data quality, not a decode error; input
/// that is not JSON is a ``DecodeError``, for the dead-letter topic.
public struct JSONLinesDecoder {
    public private(set) var space: FeatureSpace
    public var maximumRecordBytes: Int
    public var maximumDepth: Int
    /// Feature names by bytes; the code of a name is its slot.
    private var featureNames = CategoryDictionary(capacity: 1 << 20)
    private var scratch: [UInt8] = []

    public init(space: FeatureSpace, maximumRecordBytes: Int = 4 << 20, maximumDepth: Int = 64) {
        self.space = space
        self.maximumRecordBytes = maximumRecordBytes
        self.maximumDepth = maximumDepth
        for feature in space.features { _ = featureNames.code(for: feature.name) }
    }

    /// Decodes `record` into `row` (which is reset first).
    public mutating func decode(_ record: UnsafeRawBufferPointer?, into row: inout DecodedRow) throws(DecodeError) {
        row.reset()
        guard let record, record.count > 0, let base = record.baseAddress else {
            throw DecodeError(.emptyValue, at: 0, "the record has no value")
        }
        guard record.count <= maximumRecordBytes else {
            throw DecodeError(.tooLarge, at: maximumRecordBytes, "\(record.count) bytes, more than the \(maximumRecordBytes) allowed")
        }
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

    private mutating func decodeObject(_ scanner: inout JSONScanner, into row: inout DecodedRow, topLevel: Bool) throws(DecodeError) {
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
    private mutating func decodeReservedKey(
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

    private mutating func slot(of key: JSONScanner.StringToken, in scanner: JSONScanner) throws(DecodeError) -> Int? {
        if key.hasEscapes {
            try scanner.unescape(key, into: &scratch)
            return scratch.withUnsafeBytes { featureNames.lookup($0) }.map(Int.init)
        }
        return featureNames.lookup(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[key.range])).map(Int.init)
    }

    private mutating func decodeFeatureValue(slot: Int, _ scanner: inout JSONScanner, into row: inout DecodedRow) throws(DecodeError) {
        let kind = space.features[slot].kind
        let index = space.kindIndex[slot]
        guard let first = scanner.peek() else { throw scanner.error(.malformedJSON, "the record ends before a value") }
        switch first {
        case UInt8(ascii: "\""):
            let token = try scanner.string()
            guard kind == .categorical else {
                row.typeMismatches.append(slot)
                return
            }
            let code: Int32?
            if token.hasEscapes {
                try scanner.unescape(token, into: &scratch)
                code = scratch.withUnsafeBytes { space.dictionaries[index].code(for: $0) }
            } else {
                code = space.dictionaries[index].code(
                    for: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[token.range]))
            }
            guard let code else {
                throw DecodeError(.invalidUTF8, at: token.range.lowerBound, "the value of '\(space.features[slot].name)' is not UTF-8")
            }
            row.categorical[index] = code
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
            let flag = try scanner.boolean()
            if kind == .numeric {
                row.numeric[index] = flag ? 1 : 0
            } else {
                row.categorical[index] = space.dictionaries[index].code(for: flag ? "true" : "false")
            }
        case UInt8(ascii: "n"):
            try scanner.null()
        default:
            try scanner.skipValue()
            row.typeMismatches.append(slot)
        }
    }
}
