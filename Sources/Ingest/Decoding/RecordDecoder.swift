import DriftMonitor

/// Decodes one record (a Kafka message value) into a ``DecodedRow``, without Foundation and
/// without allocating per record. Owns the ``FeatureSpace``, so that every format codes a
/// category the same way.
///
/// Input that cannot be decoded is a ``DecodeError`` (for the dead-letter topic); a value of
/// the wrong type for its feature is a type mismatch in the row (for data quality).
public struct RecordDecoder {
    /// How a topic's records are written.
    public enum Format: String, Sendable, Hashable, CaseIterable, Codable {
        /// One JSON object per record (``RecordDecoder`` JSON extension).
        case json
        /// A `driftwatch.v1.InferenceLog` protobuf message (proto/driftwatch/v1/inference_log.proto).
        case protobuf
    }

    public internal(set) var space: FeatureSpace
    public var maximumRecordBytes: Int
    public var maximumDepth: Int
    /// Feature names by bytes; the code of a name is its slot.
    var featureNames = CategoryDictionary(capacity: 1 << 20)
    var scratch: [UInt8] = []

    public init(space: FeatureSpace, maximumRecordBytes: Int = 4 << 20, maximumDepth: Int = 64) {
        self.space = space
        self.maximumRecordBytes = maximumRecordBytes
        self.maximumDepth = maximumDepth
        for feature in space.features { _ = featureNames.code(for: feature.name) }
    }

    /// Decodes `record` into `row` (which is reset first).
    public mutating func decode(_ record: UnsafeRawBufferPointer?, format: Format = .json, into row: inout DecodedRow) throws(DecodeError) {
        row.reset()
        guard let record, record.count > 0, record.baseAddress != nil else {
            throw DecodeError(.emptyValue, at: 0, "the record has no value")
        }
        guard record.count <= maximumRecordBytes else {
            throw DecodeError(.tooLarge, at: maximumRecordBytes, "\(record.count) bytes, more than the \(maximumRecordBytes) allowed")
        }
        switch format {
        case .json: try decodeJSON(record, into: &row)
        case .protobuf: try decodeInferenceLog(record, into: &row)
        }
    }

    /// The slot of a feature named by `bytes`, if monitored.
    func slot(named bytes: UnsafeRawBufferPointer) -> Int? {
        featureNames.lookup(bytes).map(Int.init)
    }

    /// Sets a categorical feature from its value's bytes; a numeric feature gets a type mismatch.
    /// - Parameter offset: where the value starts in the record, for the error.
    mutating func setCategory(_ bytes: UnsafeRawBufferPointer, slot: Int, offset: Int, into row: inout DecodedRow) throws(DecodeError) {
        guard space.features[slot].kind == .categorical else {
            row.typeMismatches.append(slot)
            return
        }
        let index = space.kindIndex[slot]
        guard let code = space.dictionaries[index].code(for: bytes) else {
            throw DecodeError(.invalidUTF8, at: offset, "the value of '\(space.features[slot].name)' is not UTF-8")
        }
        row.categorical[index] = code
    }

    /// Sets a feature from a boolean: 1 or 0 for a numeric feature, "true" or "false" for a categorical one.
    mutating func setFlag(_ flag: Bool, slot: Int, into row: inout DecodedRow) {
        let index = space.kindIndex[slot]
        if space.features[slot].kind == .numeric {
            row.numeric[index] = flag ? 1 : 0
        } else {
            row.categorical[index] = space.dictionaries[index].code(for: flag ? "true" : "false")
        }
    }
}
