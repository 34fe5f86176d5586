import DriftMonitor
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON-lines file of records, for building a reference profile or comparing offline.
public struct JSONLinesFile: RecordFile {
    public let path: String
    /// The keys of a record that are not features, as the agent reads its topics.
    public let fields: JSONFields
    private let data: Data

    /// Reads the file once; schema inference, decoding and profiling then work on memory.
    public init(path: String, fields: JSONFields = JSONFields()) throws {
        self.path = path
        self.fields = fields
        data = try Self.contents(of: path)
    }

    /// The same records read with `names` as features rather than metadata (the label and
    /// the prediction, for performance); the file is not read again.
    public func reading(asFeatures names: Set<String>) -> JSONLinesFile {
        var fields = fields
        fields.metadata.removeAll { names.contains($0) }
        return JSONLinesFile(path: path, fields: fields, data: data)
    }

    private init(path: String, fields: JSONFields, data: Data) {
        self.path = path
        self.fields = fields
        self.data = data
    }

    /// Keys that describe the record rather than the model's inputs (``JSONFields``' defaults).
    public static let reservedKeys: Set<String> = JSONFields().reserved

    /// Infers the schema from the first `sampleLines` records: JSON numbers make numeric
    /// features; strings and booleans categorical ones. Conflicting types are an error. A
    /// feature first seen later is found by ``RecordFile/fullSchema(ifMissedBy:schema:)``.
    public func inferSchema(sampleLines: Int) throws -> [Feature] {
        var kinds: [String: Feature.Kind] = [:]
        var dimensions: [String: Int] = [:]
        var order: [String] = []
        try data.withUnsafeBytes { bytes in
            var lineNumber = 0
            var start = 0
            var records = 0
            while start < bytes.count && records < sampleLines {
                let end = Self.lineEnd(in: bytes, from: start)
                lineNumber += 1
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                start = end + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                records += 1
                let members: [(name: String, kind: Feature.Kind?, dimension: Int)]
                do {
                    members = try Self.featureMembers(of: line.assumingMemoryBound(to: UInt8.self), fields: fields)
                } catch {
                    throw ReadError(description: "\(path):\(lineNumber): \(error)")
                }
                for (name, kind, dimension) in members {
                    guard let kind else { continue }
                    if let known = kinds[name] {
                        if known != kind {
                            throw ReadError(
                                description: "\(path):\(lineNumber): feature '\(name)' is \(known.rawValue) earlier but \(kind.rawValue) here")
                        }
                        if kind == .vector, dimensions[name] != dimension {
                            throw ReadError(
                                description: "\(path):\(lineNumber): vector '\(name)' has \(dimensions[name] ?? 0) values earlier but \(dimension) here")
                        }
                    } else {
                        kinds[name] = kind
                        if kind == .vector { dimensions[name] = dimension }
                        order.append(name)
                    }
                }
            }
        }
        guard !order.isEmpty else { throw ReadError(description: "\(path): no feature found in the first \(sampleLines) records") }
        return order.map { Feature(name: $0, kind: kinds[$0]!, dimension: dimensions[$0]) }
    }

    /// Every record of the file in columns, in the order of `features`.
    /// - Returns: the batch, the dictionaries of its categorical columns, and the lines that did not decode.
    public func read(features: [Feature], booleans: Set<String>) throws -> RecordFileContents {
        var space = FeatureSpace()
        try space.declare(features)
        for name in booleans.sorted() { try space.markBoolean(name) }
        var decoder = RecordDecoder(space: space, fields: fields)
        var row = DecodedRow(space: space)
        let numericSources = features.filter { $0.kind == .numeric }.map { space.kindIndex[space.slot(of: $0.name)!] }
        let categoricalSources = features.filter { $0.kind == .categorical }.map { space.kindIndex[space.slot(of: $0.name)!] }
        let vectorFeatures = features.filter { $0.kind == .vector }
        let vectorSources = vectorFeatures.map { space.kindIndex[space.slot(of: $0.name)!] }
        var batch = RecordBatch(
            numericColumns: numericSources.count, categoricalColumns: categoricalSources.count,
            vectorDimensions: vectorFeatures.map { $0.dimension ?? 0 }, capacity: 1024)
        // The batch column of each slot, numeric columns first, for the data-quality counts.
        var columnOfSlot = [Int](repeating: 0, count: features.count)
        let ordered = features.filter { $0.kind == .numeric } + features.filter { $0.kind == .categorical } + vectorFeatures
        for (column, feature) in ordered.enumerated() {
            columnOfSlot[space.slot(of: feature.name)!] = column
        }
        var invalid: [(Int, DecodeError)] = []
        var unlisted = 0
        data.withUnsafeBytes { bytes in
            var lineNumber = 0
            var start = 0
            while start < bytes.count {
                let end = Self.lineEnd(in: bytes, from: start)
                lineNumber += 1
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                start = end + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                do {
                    try decoder.decode(line, into: &row)
                    batch.append(row, numericSources: numericSources, categoricalSources: categoricalSources, vectorSources: vectorSources)
                    for slot in row.typeMismatches { batch.countTypeMismatch(column: columnOfSlot[slot]) }
                    for slot in row.nonFinite { batch.countNonFinite(column: columnOfSlot[slot]) }
                    if row.unknownFields > 0 { unlisted += 1 }
                } catch {
                    invalid.append((lineNumber, error as! DecodeError))
                }
            }
        }
        var contents = RecordFileContents(
            features: features, batch: batch, dictionaries: categoricalSources.map { decoder.space.dictionaries[$0] }, invalid: invalid)
        contents.recordsWithUnlistedFields = unlisted
        return contents
    }

    /// The index of the next newline at or after `start`, or the end of the buffer (memchr).
    static func lineEnd(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = bytes.baseAddress, start < bytes.count,
            let found = memchr(base + start, 0x0A, bytes.count - start)
        else { return bytes.count }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The feature keys of one record (the features object, or the top level less the
    /// reserved keys) with the kind their value suggests (`nil` for null and objects; an array
    /// of numbers is a vector of its length).
    static func featureMembers(
        of bytes: UnsafeBufferPointer<UInt8>, fields: JSONFields
    ) throws(DecodeError) -> [(name: String, kind: Feature.Kind?, dimension: Int)] {
        let reserved = fields.reserved
        var scanner = JSONScanner(bytes, maximumDepth: 64)
        var topLevel: [(String, Feature.Kind?, Int)] = []
        var nested: [(String, Feature.Kind?, Int)]?
        func members(_ scanner: inout JSONScanner, into list: inout [(String, Feature.Kind?, Int)], top: Bool) throws(DecodeError) {
            scanner.skipWhitespace()
            guard scanner.consume(UInt8(ascii: "{")) else { throw scanner.error(.notAnObject, "not a JSON object") }
            scanner.skipWhitespace()
            if scanner.consume(UInt8(ascii: "}")) { return }
            var buffer: [UInt8] = []
            while true {
                scanner.skipWhitespace()
                let key = try scanner.string()
                try scanner.unescape(key, into: &buffer)
                let name = String(decoding: buffer, as: UTF8.self)
                scanner.skipWhitespace()
                guard scanner.consume(UInt8(ascii: ":")) else { throw scanner.error(.malformedJSON, "expected ':'") }
                scanner.skipWhitespace()
                if top && name == fields.features {
                    guard scanner.peek() == UInt8(ascii: "{") else {
                        let found = scanner.peek().map(JSONScanner.typeName(of:)) ?? "nothing"
                        throw scanner.error(.featuresNotAnObject, "the features key holds a JSON \(found), not an object")
                    }
                    var inner: [(String, Feature.Kind?, Int)] = []
                    try members(&scanner, into: &inner, top: false)
                    nested = inner
                } else {
                    var kind: Feature.Kind?
                    var dimension = 0
                    switch scanner.peek() ?? 0 {
                    case UInt8(ascii: "\""), UInt8(ascii: "t"), UInt8(ascii: "f"): kind = .categorical
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): kind = .numeric
                    case UInt8(ascii: "["): (kind, dimension) = try Self.vectorShape(&scanner)
                    default: kind = nil
                    }
                    if kind != .vector { try scanner.skipValue() }
                    if !top || !reserved.contains(name) { list.append((name, kind, dimension)) }
                }
                scanner.skipWhitespace()
                if scanner.consume(UInt8(ascii: ",")) { continue }
                if scanner.consume(UInt8(ascii: "}")) { return }
                throw scanner.error(.malformedJSON, "expected ',' or '}'")
            }
        }
        try members(&scanner, into: &topLevel, top: true)
        return (nested ?? topLevel).map { (name: $0.0, kind: $0.1, dimension: $0.2) }
    }

    /// Reads an array: a vector of its length when every element is a number; else nil
    /// (an empty or mixed array says nothing), the scanner left at the array.
    private static func vectorShape(_ scanner: inout JSONScanner) throws(DecodeError) -> (Feature.Kind?, Int) {
        var probe = scanner
        var count = 0
        var numbers = true
        try probe.elements { (_, element) throws(DecodeError) in
            switch element.peek() ?? 0 {
            case let byte where JSONScanner.startsNumber(byte): _ = try element.number()
            default:
                numbers = false
                try element.skipValue()
            }
            count += 1
        }
        guard numbers, count > 0 else { return (nil, 0) }
        scanner = probe
        return (.vector, count)
    }
}
