import DriftMonitor
import FoundationEssentials

/// A file of records (JSON lines or CSV) read whole, for `profile` and `compare`.
public protocol RecordFile {
    var path: String { get }
    /// Infers the schema from the first `sampleLines` records; conflicting types are an error.
    func inferSchema(sampleLines: Int) throws -> [Feature]
    /// Every record in columns, in the order of `features`; undecodable records are listed, not fatal.
    /// - Parameter booleans: categorical features to read as booleans (``DeclaredKind/boolean``).
    func read(features: [Feature], booleans: Set<String>) throws -> RecordFileContents
}

/// A file's records in columns.
public struct RecordFileContents: Sendable {
    public var features: [Feature]
    public var batch: RecordBatch
    /// The dictionary of each categorical column.
    public var dictionaries: [CategoryDictionary]
    /// Records left out, by 1-based line number.
    public var invalid: [(line: Int, error: DecodeError)]
    /// Records with a field that is none of `features` (JSON lines; a CSV header names every column).
    public var recordsWithUnlistedFields = 0
}

/// A file that cannot be used at all (unreadable, no header, no feature).
public struct ReadError: Error, CustomStringConvertible {
    public var description: String
}

extension RecordFile {
    public func inferSchema() throws -> [Feature] { try inferSchema(sampleLines: 1000) }

    public func read(features: [Feature]) throws -> RecordFileContents { try read(features: features, booleans: []) }

    /// The schema inferred from the whole file, when `contents` (read with a schema inferred
    /// from the first records) met fields outside it: a feature may first have a value late in
    /// the file. nil when the first records named every feature.
    public func fullSchema(ifMissedBy contents: RecordFileContents, schema: DeclaredSchema) throws -> [Feature]? {
        guard contents.recordsWithUnlistedFields > 0 else { return nil }
        let full = schema.applied(to: try inferSchema(sampleLines: .max))
        return full == contents.features ? nil : full
    }

    /// The file's bytes, mapped rather than copied: it is scanned once, front to back. (An
    /// empty file cannot be mapped; it is read.)
    static func contents(of path: String) throws -> Data {
        guard let data = (try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped))
            ?? FileManager.default.contents(atPath: path)
        else {
            throw ReadError(description: "\(path): cannot read the file")
        }
        return data
    }

    /// A reference profile of the file's records, with the schema inferred from them and
    /// `schema`'s declarations put over it.
    /// - Returns: the profile and the lines that did not decode (left out of it).
    public func profile(
        model: String?, bins: Int = 10, version: String? = nil, schema: DeclaredSchema = DeclaredSchema()
    ) throws -> (profile: ReferenceProfile, skipped: [(line: Int, error: DecodeError)]) {
        var contents = try read(features: schema.applied(to: try inferSchema()), booleans: Set(schema.booleans))
        if let full = try fullSchema(ifMissedBy: contents, schema: schema) {
            contents = try read(features: full, booleans: Set(schema.booleans))
        }
        let profile = ReferenceProfile(
            model: model, features: contents.features, batch: contents.batch, dictionaries: contents.dictionaries, bins: bins,
            version: version)
        return (profile, contents.invalid)
    }
}

/// The formats `profile` and `compare` read, told apart by the file's extension.
public enum RecordFormat: String, Sendable {
    case jsonLines = "jsonl"
    case csv

    /// `.csv` is CSV; anything else (`.jsonl`, `.ndjson`, `.json`) is JSON lines.
    public init(path: String) {
        self = path.lowercased().hasSuffix(".csv") ? .csv : .jsonLines
    }

    /// Reads the file whole; JSON lines keep their non-feature keys under `fields`.
    public static func open(path: String, fields: JSONFields = JSONFields()) throws -> any RecordFile {
        switch RecordFormat(path: path) {
        case .csv: try CSVFile(path: path)
        case .jsonLines: try JSONLinesFile(path: path, fields: fields)
        }
    }
}
