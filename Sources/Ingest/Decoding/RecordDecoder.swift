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
        /// A KServe inference-logger CloudEvent, binary or structured mode, with a v1 or Open
        /// Inference Protocol v2 JSON body; one row per instance.
        case kserve
        /// A Seldon Core v2 `ModelInferRequest` or `ModelInferResponse`: protobuf, or OIP v2 JSON
        /// when the `seldon-infer-type` header says so or the protobuf does not parse.
        case seldon
        /// Decided per message: a CloudEvent header makes it `kserve`, a Seldon topic or header
        /// `seldon`, a leading `{` `json`, anything else `protobuf`.
        case auto

        /// Whether a message carries one record (the row API accepts only these).
        public var isSingleRow: Bool { self == .json || self == .protobuf }
    }

    public package(set) var space: FeatureSpace
    public var maximumRecordBytes: Int
    public var maximumDepth: Int
    /// The most rows one inference message may carry.
    public var maximumBatchRows: Int
    /// Feature names by bytes; the code of a name is its slot. Ignored fields follow, with
    /// codes from ``FeatureSpace/features`` count on.
    var featureNames = CategoryDictionary(capacity: 1 << 20, maximumValueBytes: .max, byteCapacity: .max)
    /// ``JSONFields`` as codes: 0 features, 1 model, 2 timestamp, 3 request id, 4 segment,
    /// 5 prediction, 6 label, then metadata.
    var reservedNames = CategoryDictionary(capacity: 1 << 12, maximumValueBytes: .max, byteCapacity: .max)
    /// Tensor names with a column mapping; the code of a name indexes ``tensorColumnSlots``.
    var tensorNames = CategoryDictionary(capacity: 1 << 16, maximumValueBytes: .max, byteCapacity: .max)
    /// For each mapped tensor, the slot of each column (-1: not monitored).
    var tensorColumnSlots: [[Int]] = []
    /// For each mapped tensor, its column named ``JSONFields/prediction``, or -1.
    var tensorPredictionColumns: [Int] = []
    var scratch: [UInt8] = []
    /// JSON keys by their position in the object, to skip most lookups.
    var keyMemo = KeyMemo()
    /// InferenceLog numeric map entries by their position, to skip parsing them.
    var numberEntries = NumberEntryMemo()
    /// The feature an InferenceLog's `label` is, if the schema has one named `label`.
    let labelSlot: Int?
    /// ``JSONFields/prediction``: the key of an InferenceLog's `predictions` (or `features`)
    /// entry that is the model's prediction.
    let predictionKey: [UInt8]?
    /// Byte ranges of a protobuf message's tensors and raw contents, reused.
    var tensorRanges: [Range<Int>] = []
    var rawRanges: [Range<Int>] = []
    /// The tensors of a JSON body whose values follow it as binary data, in order; reused.
    var binaryTensors: [BinaryTensor] = []
    /// ``JSONFields/segmentMetadata`` in lower case, and a buffer for the metadata's text.
    let segmentMetadata: [UInt8]?
    var metadataText: [UInt8] = []

    /// - Parameters:
    ///   - tensors: for inference tensors of shape [batch, n], the feature each column is
    ///     (`instances: [sepal_length, ...]`). A tensor not named here maps to the feature of
    ///     its own name when it has one column.
    ///   - fields: the top-level keys of JSON records that are not features.
    ///   - ignoredFields: fields to skip that are not features of the space, and are not to be
    ///     counted as unknown fields either.
    public init(
        space: FeatureSpace, tensors: [String: [String]] = [:], fields: JSONFields = JSONFields(), ignoredFields: [String] = [],
        maximumRecordBytes: Int = 4 << 20, maximumDepth: Int = 64, maximumBatchRows: Int = 65_536
    ) {
        self.space = space
        self.maximumRecordBytes = maximumRecordBytes
        self.maximumDepth = maximumDepth
        self.maximumBatchRows = maximumBatchRows
        labelSlot = space.slot(of: "label")
        predictionKey = fields.prediction.map { Array($0.utf8) }
        segmentMetadata = fields.segmentMetadata.map { Array($0.lowercased().utf8) }
        for feature in space.features { _ = featureNames.code(for: feature.name) }
        for name in ignoredFields { _ = featureNames.code(for: name) }
        // Codes 0-6 are the roles decodeReservedKey reads; keys never written stand in for
        // roles not read (no segment, no prediction, no label).
        let roles = [fields.features, fields.model, fields.timestamp, fields.requestID]
            + [fields.segment ?? "\u{0}", fields.prediction ?? "\u{1}", fields.label ?? "\u{2}"]
        for name in roles + fields.metadata {
            _ = reservedNames.code(for: name)
        }
        for (tensor, columns) in tensors.sorted(by: { $0.key < $1.key }) {
            _ = tensorNames.code(for: tensor)
            tensorColumnSlots.append(columns.map { space.slot(of: $0) ?? -1 })
            tensorPredictionColumns.append(fields.prediction.flatMap { columns.firstIndex(of: $0) } ?? -1)
        }
    }

    /// Decodes one message into `payload` (reset first): one row for `json` and `protobuf`,
    /// a row per instance for `kserve` and `seldon`.
    public mutating func decode(
        _ record: UnsafeRawBufferPointer?, format: Format, envelope: MessageEnvelope = MessageEnvelope(),
        into payload: inout InferencePayload
    ) throws(DecodeError) {
        payload.reset()
        binaryTensors.removeAll(keepingCapacity: true)
        let record = try checked(record)
        let resolved = format == .auto ? envelope.format(of: record) : format
        switch resolved {
        case .json, .protobuf, .auto:
            _ = payload.use(row: 0, limit: 1)
            if resolved == .protobuf {
                try decodeInferenceLog(record, into: &payload.rows[0])
            } else {
                try decodeJSON(record, into: &payload.rows[0])
            }
            let model = payload.rows[0].model
            if !model.isEmpty { payload.model.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[model])) }
            let requestID = payload.rows[0].requestID
            if !requestID.isEmpty { payload.id.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[requestID])) }
            let segment = payload.rows[0].segment
            if !segment.isEmpty { payload.segment.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[segment])) }
            let prediction = payload.rows[0].prediction
            if !prediction.isEmpty { payload.prediction.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[prediction])) }
            let label = payload.rows[0].label
            if !label.isEmpty { payload.label.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[label])) }
            payload.predictionNumber = payload.rows[0].predictionNumber
            payload.labelNumber = payload.rows[0].labelNumber
            payload.timestampMilliseconds = payload.rows[0].timestampMilliseconds
            payload.collectUnknownFields(of: record)
        case .kserve:
            try decodeCloudEvent(record, envelope: envelope, into: &payload)
        case .seldon:
            try decodeModelInfer(record, envelope: envelope, into: &payload)
        }
        if space.vectorCount > 0 {
            for row in 0..<payload.rowCount { payload.rows[row].finishVectors() }
        }
    }

    /// Decodes `record` into `row` (which is reset first).
    /// Formats that carry batches (``Format/isSingleRow`` false) need the payload API.
    public mutating func decode(_ record: UnsafeRawBufferPointer?, format: Format = .json, into row: inout DecodedRow) throws(DecodeError) {
        row.reset()
        let record = try checked(record)
        switch format {
        case .json: try decodeJSON(record, into: &row)
        case .protobuf: try decodeInferenceLog(record, into: &row)
        case .kserve, .seldon, .auto:
            throw DecodeError(.malformedTensor, at: 0, "\(format.rawValue) messages carry batches: decode them into an InferencePayload")
        }
        if space.vectorCount > 0 { row.finishVectors() }
    }

    private func checked(_ record: UnsafeRawBufferPointer?) throws(DecodeError) -> UnsafeRawBufferPointer {
        guard let record, record.count > 0, record.baseAddress != nil else {
            throw DecodeError(.emptyValue, at: 0, "the record has no value")
        }
        guard record.count <= maximumRecordBytes else {
            throw DecodeError(.tooLarge, at: maximumRecordBytes, "\(record.count) bytes, more than the \(maximumRecordBytes) allowed")
        }
        return record
    }

    /// The slot of a feature named by `bytes`, if monitored.
    func slot(named bytes: UnsafeRawBufferPointer) -> Int? {
        guard let code = featureNames.lookup(bytes), Int(code) < space.features.count else { return nil }
        return Int(code)
    }

    /// What a field name is: a feature's slot (0 or more), ignored (-1) or unknown (nil).
    @inline(__always)
    func field(named bytes: UnsafeRawBufferPointer) -> Int? {
        guard let code = featureNames.lookup(bytes) else { return nil }
        return Int(code) < space.features.count ? Int(code) : -1
    }

    /// Sets a categorical feature from its value's bytes; a numeric feature gets a type mismatch.
    /// - Parameter offset: where the value starts in the record, for the error.
    mutating func setCategory(_ bytes: UnsafeRawBufferPointer, slot: Int, offset: Int, into row: inout DecodedRow) throws(DecodeError) {
        switch space.features[slot].kind {
        case .categorical: break
        case .numeric: return row.typeMismatches.append(slot)
        case .vector: return row.spoilVector(space.kindIndex[slot])
        }
        let index = space.kindIndex[slot]
        if space.isBoolean[slot] {
            guard let flag = Self.flag(spelled: bytes) else {
                row.typeMismatches.append(slot)
                return
            }
            return setFlag(flag, slot: slot, into: &row)
        }
        guard let code = space.dictionaries[index].code(for: bytes) else {
            throw DecodeError(.invalidUTF8, at: offset, "the value of '\(space.features[slot].name)' is not UTF-8")
        }
        row.categorical[index] = code
    }

    /// Sets a boolean feature from a number: 1 is true, 0 false, anything else a type mismatch.
    mutating func setBoolean(number: Double, slot: Int, into row: inout DecodedRow) {
        if number == 1 || number == 0 {
            setFlag(number == 1, slot: slot, into: &row)
        } else {
            row.typeMismatches.append(slot)
        }
    }

    /// `true`, `True`, `TRUE` and `1`; `false`, `False`, `FALSE` and `0`.
    static func flag(spelled bytes: UnsafeRawBufferPointer) -> Bool? {
        switch bytes.count {
        case 1 where bytes[0] == UInt8(ascii: "1"): return true
        case 1 where bytes[0] == UInt8(ascii: "0"): return false
        case 4, 5:
            // Bit 5 set makes ASCII letters lower case; only 'T' and 't' then give 't', and so on.
            let word: StaticString = bytes.count == 4 ? "true" : "false"
            for i in 0..<bytes.count where bytes[i] | 0x20 != word.utf8Start[i] { return nil }
            return bytes.count == 4
        default: return nil
        }
    }

    /// Sets a feature from a boolean: 1 or 0 for a numeric feature, "true" or "false" for a
    /// categorical one; a vector's element is no boolean.
    mutating func setFlag(_ flag: Bool, slot: Int, into row: inout DecodedRow) {
        let index = space.kindIndex[slot]
        switch space.features[slot].kind {
        case .numeric: row.numeric[index] = flag ? 1 : 0
        case .categorical: row.categorical[index] = space.dictionaries[index].code(for: flag ? "true" : "false")
        case .vector: row.spoilVector(index)
        }
    }
}
