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

    public internal(set) var space: FeatureSpace
    public var maximumRecordBytes: Int
    public var maximumDepth: Int
    /// The most rows one inference message may carry.
    public var maximumBatchRows: Int
    /// Feature names by bytes; the code of a name is its slot.
    var featureNames = CategoryDictionary(capacity: 1 << 20)
    /// Tensor names with a column mapping; the code of a name indexes ``tensorColumnSlots``.
    var tensorNames = CategoryDictionary(capacity: 1 << 16)
    /// For each mapped tensor, the slot of each column (-1: not monitored).
    var tensorColumnSlots: [[Int]] = []
    var scratch: [UInt8] = []
    /// Byte ranges of a protobuf message's tensors and raw contents, reused.
    var tensorRanges: [Range<Int>] = []
    var rawRanges: [Range<Int>] = []

    /// - Parameter tensors: for inference tensors of shape [batch, n], the feature each column
    ///   is (`instances: [sepal_length, ...]`). A tensor not named here maps to the feature of
    ///   its own name when it has one column.
    public init(
        space: FeatureSpace, tensors: [String: [String]] = [:], maximumRecordBytes: Int = 4 << 20, maximumDepth: Int = 64,
        maximumBatchRows: Int = 65_536
    ) {
        self.space = space
        self.maximumRecordBytes = maximumRecordBytes
        self.maximumDepth = maximumDepth
        self.maximumBatchRows = maximumBatchRows
        for feature in space.features { _ = featureNames.code(for: feature.name) }
        for (tensor, columns) in tensors.sorted(by: { $0.key < $1.key }) {
            _ = tensorNames.code(for: tensor)
            tensorColumnSlots.append(columns.map { space.slot(of: $0) ?? -1 })
        }
    }

    /// Decodes one message into `payload` (reset first): one row for `json` and `protobuf`,
    /// a row per instance for `kserve` and `seldon`.
    public mutating func decode(
        _ record: UnsafeRawBufferPointer?, format: Format, envelope: MessageEnvelope = MessageEnvelope(),
        into payload: inout InferencePayload
    ) throws(DecodeError) {
        payload.reset()
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
            payload.timestampMilliseconds = payload.rows[0].timestampMilliseconds
        case .kserve:
            try decodeCloudEvent(record, envelope: envelope, into: &payload)
        case .seldon:
            try decodeModelInfer(record, envelope: envelope, into: &payload)
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
