import DriftMonitor
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CSV file with a header row (RFC 4180: comma-separated, fields optionally in double
/// quotes, `""` for a quote inside one, CRLF or LF line ends).
///
/// A column whose non-empty values all parse as numbers (`nan` and `inf` included, as
/// pandas writes them) is numeric, any other categorical; an empty field is a missing value.
/// In a numeric column, text is a type mismatch and NaN or an infinity a non-finite value,
/// both counted for data quality as the agent counts them. Columns named like ``JSONLinesFile/reservedKeys``
/// describe the record, not the model's inputs, and are skipped.
public struct CSVFile: RecordFile {
    public let path: String
    private let data: Data

    public init(path: String) throws {
        self.path = path
        data = try Self.contents(of: path)
    }

    /// CSV already in memory; `name` stands for the path in errors.
    public init(contents: Data, name: String) {
        path = name
        data = contents
    }

    /// Field ranges of one record, in bytes of the file.
    struct Record {
        var fields: [Range<Int>] = []
        /// Whether each field was quoted (its bytes then still hold doubled quotes).
        var quoted: [Bool] = []
        var line = 0
        /// Set when bytes follow a closing quote before the next separator.
        var malformed: DecodeError?
    }

    public func inferSchema(sampleLines: Int) throws -> [Feature] {
        try data.withUnsafeBytes { bytes in
            var reader = Reader(bytes)
            let header = try self.header(&reader)
            var numeric = [Bool](repeating: true, count: header.count)
            var seen = [Bool](repeating: false, count: header.count)
            var record = Record()
            var scratch: [UInt8] = []
            // Each column's kind comes from its first `sampleLines` values: past the first
            // rows, only columns still without a value are looked at.
            var values = [Int](repeating: 0, count: header.count)
            var rows = 0
            while rows < sampleLines || seen.contains(false), try reader.next(&record) {
                rows += 1
                guard record.fields.count == header.count else { continue }
                for (column, range) in record.fields.enumerated() where !range.isEmpty && values[column] < sampleLines {
                    seen[column] = true
                    values[column] += 1
                    if numeric[column] && Self.number(bytes, range, quoted: record.quoted[column], scratch: &scratch) == nil {
                        numeric[column] = false
                    }
                }
            }
            // A repeated column name is read from its first column only.
            var named = Set<String>()
            let features = header.enumerated().compactMap { column, name -> Feature? in
                guard !JSONLinesFile.reservedKeys.contains(name), seen[column], named.insert(name).inserted else { return nil }
                return Feature(name: name, kind: numeric[column] ? .numeric : .categorical)
            }
            guard !features.isEmpty else { throw ReadError(description: "\(path): no feature column with a value") }
            return features
        }
    }

    public func read(features: [Feature], booleans: Set<String>) throws -> RecordFileContents {
        try data.withUnsafeBytes { bytes in
            var reader = Reader(bytes)
            let header = try self.header(&reader)
            var columnOf: [String: Int] = [:]
            for (column, name) in header.enumerated() where columnOf[name] == nil { columnOf[name] = column }
            guard Set(features.map(\.name)).count == features.count else {
                throw ReadError(description: "\(path): a feature is listed twice")
            }
            if let vector = features.first(where: { $0.kind == .vector }) {
                throw ReadError(description: "\(path): '\(vector.name)' is a vector feature, and CSV has no arrays: use JSON lines")
            }
            let numericColumns = try features.filter { $0.kind == .numeric }.map { try column(of: $0.name, columnOf) }
            let categorical = features.filter { $0.kind == .categorical }
            let categoricalColumns = try categorical.map { try column(of: $0.name, columnOf) }
            let isBoolean = categorical.map { booleans.contains($0.name) }
            var batch = RecordBatch(numericColumns: numericColumns.count, categoricalColumns: categoricalColumns.count, capacity: 1024)
            var dictionaries = categoricalColumns.map { _ in CategoryDictionary() }
            var space = FeatureSpace()
            try space.declare(features)
            var row = DecodedRow(space: space)
            let numericSources = Array(0..<numericColumns.count)
            let categoricalSources = Array(0..<categoricalColumns.count)
            var invalid: [(line: Int, error: DecodeError)] = []
            var record = Record()
            var scratch: [UInt8] = []
            while true {
                do {
                    guard try reader.next(&record) else { break }
                } catch let error as DecodeError {
                    invalid.append((record.line, error))
                    break  // an unterminated quote runs to the end of the file
                }
                if let error = record.malformed {
                    invalid.append((record.line, error))
                    continue
                }
                guard record.fields.count == header.count else {
                    invalid.append((record.line, DecodeError(.malformedCSV, at: 0, "\(record.fields.count) fields, the header has \(header.count)")))
                    continue
                }
                for (index, column) in numericColumns.enumerated() {
                    let range = record.fields[column]
                    row.numeric[index] = .nan
                    guard !range.isEmpty else { continue }
                    guard let value = Self.number(bytes, range, quoted: record.quoted[column], scratch: &scratch) else {
                        batch.countTypeMismatch(column: index)
                        continue
                    }
                    // A profile keeps finite values only.
                    if value.isFinite { row.numeric[index] = value } else { batch.countNonFinite(column: index) }
                }
                for (index, column) in categoricalColumns.enumerated() {
                    let range = record.fields[column]
                    if range.isEmpty {
                        row.categorical[index] = -1
                    } else if record.quoted[column] {
                        Self.unquote(bytes, range, into: &scratch)
                        row.categorical[index] = scratch.withUnsafeBytes { Self.code(of: $0, boolean: isBoolean[index], in: &dictionaries[index]) }
                    } else {
                        row.categorical[index] = Self.code(
                            of: UnsafeRawBufferPointer(rebasing: bytes[range]), boolean: isBoolean[index], in: &dictionaries[index])
                    }
                }
                batch.append(row, numericSources: numericSources, categoricalSources: categoricalSources)
            }
            return RecordFileContents(features: features, batch: batch, dictionaries: dictionaries, invalid: invalid)
        }
    }

    /// A field's category code; a boolean column codes only the spellings of true and false.
    private static func code(of text: UnsafeRawBufferPointer, boolean: Bool, in dictionary: inout CategoryDictionary) -> Int32 {
        guard boolean else { return dictionary.code(for: text) ?? -1 }
        guard let flag = RecordDecoder.flag(spelled: text) else { return -1 }
        return dictionary.code(for: flag ? "true" : "false")
    }

    private func header(_ reader: inout Reader) throws -> [String] {
        var record = Record()
        var scratch: [UInt8] = []
        guard try reader.next(&record) else { throw ReadError(description: "\(path): empty file, no header row") }
        return record.fields.enumerated().map { column, range in
            if record.quoted[column] {
                Self.unquote(reader.bytes, range, into: &scratch)
                return String(decoding: scratch, as: UTF8.self)
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[range]), as: UTF8.self)
        }
    }

    private func column(of name: String, _ columnOf: [String: Int]) throws -> Int {
        guard let column = columnOf[name] else { throw ReadError(description: "\(path): no column '\(name)' in the header") }
        return column
    }

    /// The field as a double (finite, infinite or NaN), or nil when it is not entirely a number.
    static func number(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, quoted: Bool, scratch: inout [UInt8]) -> Double? {
        scratch.removeAll(keepingCapacity: true)
        if quoted {
            unquote(bytes, range, into: &scratch)
        } else {
            scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
        // Trim spaces, then require strtod to consume everything.
        while let last = scratch.last, last == 0x20 || last == 0x09 { scratch.removeLast() }
        guard !scratch.isEmpty else { return nil }
        scratch.append(0)
        return scratch.withUnsafeBufferPointer { buffer -> Double? in
            buffer.withMemoryRebound(to: CChar.self) { text in
                var end: UnsafeMutablePointer<CChar>?
                let start = text.baseAddress!
                let value = strtod(start, &end)
                guard let end, end != start, end.pointee == 0 else { return nil }
                // NaN is a number here, as in JSON lines: a non-finite value, not a category.
                return value
            }
        }
    }

    /// The bytes of a quoted field without its doubled quotes.
    static func unquote(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var i = range.lowerBound
        while i < range.upperBound {
            let byte = bytes[i]
            out.append(byte)
            i += byte == UInt8(ascii: "\"") ? 2 : 1
        }
    }

    /// Splits the file into records of fields without copying.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        var line = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            // A UTF-8 byte order mark is not part of the first column's name.
            if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
        }

        /// Reads the next non-blank record into `record`; false at the end of the file.
        mutating func next(_ record: inout Record) throws(DecodeError) -> Bool {
            while position < bytes.count {
                line += 1
                record.fields.removeAll(keepingCapacity: true)
                record.quoted.removeAll(keepingCapacity: true)
                record.malformed = nil
                record.line = line
                let start = position
                var blank = true
                while true {
                    if position < bytes.count && bytes[position] == UInt8(ascii: "\"") {
                        blank = false
                        let opened = position
                        position += 1
                        let fieldStart = position
                        while true {
                            guard position < bytes.count else {
                                throw DecodeError(.malformedCSV, at: opened - start, "unterminated quoted field")
                            }
                            if bytes[position] == UInt8(ascii: "\"") {
                                if position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "\"") {
                                    position += 2
                                    continue
                                }
                                break
                            }
                            if bytes[position] == 0x0A { line += 1 }
                            position += 1
                        }
                        record.fields.append(fieldStart..<position)
                        record.quoted.append(true)
                        position += 1  // closing quote
                        if position < bytes.count, ![UInt8(ascii: ","), 0x0A, 0x0D].contains(bytes[position]) {
                            record.malformed = DecodeError(.malformedCSV, at: position - start, "bytes after a closing quote")
                            while position < bytes.count, bytes[position] != UInt8(ascii: ","), bytes[position] != 0x0A { position += 1 }
                        }
                    } else {
                        let fieldStart = position
                        while position < bytes.count, bytes[position] != UInt8(ascii: ","), bytes[position] != 0x0A {
                            position += 1
                        }
                        var end = position
                        if end > fieldStart && bytes[end - 1] == 0x0D && (position >= bytes.count || bytes[position] == 0x0A) { end -= 1 }
                        if end > fieldStart { blank = false }
                        record.fields.append(fieldStart..<end)
                        record.quoted.append(false)
                    }
                    if position < bytes.count && bytes[position] == UInt8(ascii: ",") {
                        blank = false
                        position += 1
                        continue
                    }
                    // End of record: skip the line end (CR LF or LF).
                    if position < bytes.count && bytes[position] == 0x0D { position += 1 }
                    if position < bytes.count && bytes[position] == 0x0A { position += 1 }
                    break
                }
                if !blank { return true }
            }
            return false
        }
    }
}
