import DriftMonitor

/// The rows of one inference request or response (a KServe CloudEvent, a Seldon
/// ModelInferRequest or ModelInferResponse), which carries a batch: one row per instance.
///
/// Reused for every message: rows are reset, not reallocated, and grow only when a batch is
/// larger than any before it.
public struct InferencePayload {
    /// Which half of an inference exchange the message is.
    public enum Role: Sendable, Hashable {
        /// Model inputs; waits for its response to add the predictions.
        case request
        /// Model outputs; joins the request with the same ``InferencePayload/id``.
        case response
        /// Inputs and outputs together: nothing to join.
        case complete
        /// An error the model server reported instead of a response (Seldon's errors topic):
        /// no rows, counted for its model.
        case error
    }

    public var role: Role = .complete
    /// What joins a request to its response: the CloudEvent id or the Seldon record key.
    public var id: [UInt8] = []
    /// Where the request id starts in ``id``: past the `<partition>.<resource>.` of a Seldon
    /// record key; 0 otherwise. Labels name the request id alone.
    public var requestIDStart = 0
    /// The model, from the CloudEvent's `inferenceservicename`, the topic or the body's `model_name`.
    public var model: [UInt8] = []
    /// Event time in milliseconds since the epoch, if the message had one.
    public var timestampMilliseconds: Int64?
    /// The model's segment (a message key or header, when models are segmented); empty: none.
    public var segment: [UInt8] = []
    /// The prediction and the label of a JSON or InferenceLog record, as the text of their
    /// values (a string's characters, a JSON number's digits); empty: none. See
    /// ``JSONFields/prediction``.
    public var prediction: [UInt8] = []
    public var label: [UInt8] = []
    /// The prediction and the label when they were numbers, as the decoder parsed them.
    public var predictionNumber: Double?
    public var labelNumber: Double?
    /// Fields or tensors outside the schema (neither features nor ignored), in all rows.
    public var unknownFields = 0
    /// The name of the first of them.
    public var unknownFieldName: [UInt8] = []
    public internal(set) var rows: [DecodedRow] = []
    /// Rows in use; ``rows`` beyond it are spare.
    public private(set) var rowCount = 0
    private let empty: DecodedRow

    public init(space: FeatureSpace) {
        empty = DecodedRow(space: space)
    }

    public mutating func reset() {
        role = .complete
        id.removeAll(keepingCapacity: true)
        requestIDStart = 0
        model.removeAll(keepingCapacity: true)
        segment.removeAll(keepingCapacity: true)
        prediction.removeAll(keepingCapacity: true)
        label.removeAll(keepingCapacity: true)
        predictionNumber = nil
        labelNumber = nil
        timestampMilliseconds = nil
        unknownFields = 0
        unknownFieldName.removeAll(keepingCapacity: true)
        rowCount = 0
    }

    /// Replaces the segment with `bytes` (a message key or header; nil: none), in place.
    public mutating func setSegment(_ bytes: UnsafeRawBufferPointer?) {
        segment.removeAll(keepingCapacity: true)
        if let bytes { segment.append(contentsOf: bytes) }
    }

    /// Replaces the model name with `bytes` (a message key or header; nil: no name), in place.
    public mutating func setModel(_ bytes: UnsafeRawBufferPointer?) {
        model.removeAll(keepingCapacity: true)
        if let bytes { model.append(contentsOf: bytes) }
    }

    /// Notes a field or tensor outside the schema, keeping the first one's name.
    mutating func noteUnknownField(_ name: UnsafeRawBufferPointer) {
        if unknownFields == 0 { unknownFieldName.append(contentsOf: name.prefix(Self.unknownNameLimit)) }
        unknownFields += 1
    }

    /// Takes the unknown fields the rows noted, with names from the message's bytes.
    mutating func collectUnknownFields(of record: UnsafeRawBufferPointer) {
        for index in 0..<rowCount where rows[index].unknownFields > 0 {
            let row = rows[index]
            if row.firstUnknownField.upperBound <= record.count {
                noteUnknownField(UnsafeRawBufferPointer(rebasing: record[row.firstUnknownField]))
                unknownFields += row.unknownFields - 1
            } else {
                unknownFields += row.unknownFields
            }
        }
    }

    /// Field names kept longer are cut: they are for a log line, not for a label.
    static let unknownNameLimit = 128

    /// Makes `index` a row in use, reset if it was not; returns false past `limit` rows.
    @inline(__always)
    mutating func use(row index: Int, limit: Int) -> Bool {
        if index < rowCount { return true }
        guard index < limit else { return false }
        while rowCount <= index {
            if rowCount < rows.count {
                rows[rowCount].reset()
            } else {
                rows.append(empty)
            }
            rowCount += 1
        }
        return true
    }

    /// Adds `other`'s values to the rows of this payload, row by row: a request takes its
    /// response's predictions. A row only `other` has is appended.
    public mutating func merge(_ other: InferencePayload) {
        for index in 0..<other.rowCount {
            if index >= rowCount { _ = use(row: index, limit: .max) }
            rows[index].merge(other.rows[index])
        }
        if model.isEmpty { model = other.model }
        if segment.isEmpty { segment = other.segment }
        if unknownFields == 0 { unknownFieldName = other.unknownFieldName }
        unknownFields += other.unknownFields
        if timestampMilliseconds == nil { timestampMilliseconds = other.timestampMilliseconds }
        role = .complete
    }
}

extension DecodedRow {
    /// Takes every value `other` has and this row lacks.
    mutating func merge(_ other: DecodedRow) {
        for i in numeric.indices where numeric[i].isNaN && !other.numeric[i].isNaN { numeric[i] = other.numeric[i] }
        for i in categorical.indices where categorical[i] < 0 { categorical[i] = other.categorical[i] }
        typeMismatches.append(contentsOf: other.typeMismatches)
        nonFinite.append(contentsOf: other.nonFinite)
        if predictionNumber == nil { predictionNumber = other.predictionNumber }
        if labelNumber == nil { labelNumber = other.labelNumber }
    }
}
