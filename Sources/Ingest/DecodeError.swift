/// Why a record could not be decoded, and where. Its ``Reason`` names the dead-letter
/// header and the `reason` label of `driftwatch_records_invalid_total`.
public struct DecodeError: Error, Hashable, CustomStringConvertible, Sendable {
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// Null (tombstone) or zero-length value.
        case emptyValue = "empty_value"
        /// Valid start, but not a JSON object at the top level.
        case notAnObject = "not_an_object"
        /// A JSON record whose features key (``JSONFields/features``) holds no object.
        case featuresNotAnObject = "features_not_an_object"
        /// Not JSON: a bad token, a truncated record, trailing bytes.
        case malformedJSON = "malformed_json"
        /// Nested deeper than the decoder allows.
        case tooDeep = "too_deep"
        /// A string that is not UTF-8.
        case invalidUTF8 = "invalid_utf8"
        /// Larger than the configured maximum record size.
        case tooLarge = "too_large"
        /// A protobuf message that does not parse.
        case malformedProtobuf = "malformed_protobuf"
        /// A binary-mode CloudEvent without `ce_id` or `ce_type`, or no CloudEvent at all on a CloudEvents topic.
        case missingHeader = "missing_header"
        /// A structured-mode CloudEvent without `id` or `type`, or whose data is not a JSON object.
        case malformedCloudEvent = "malformed_cloudevent"
        /// An inference tensor that cannot be read: unknown datatype, raw contents of the wrong
        /// size, more raw contents than tensors, a batch above the row limit.
        case malformedTensor = "malformed_tensor"
        /// A CSV row with an unterminated quote or a different number of fields than the header.
        case malformedCSV = "malformed_csv"
        /// A message of a labels topic without its id or its label.
        case missingField = "missing_field"
    }

    public var reason: Reason
    /// Byte offset in the record where decoding stopped.
    public var offset: Int
    public var detail: String

    public init(_ reason: Reason, at offset: Int, _ detail: String) {
        self.reason = reason
        self.offset = offset
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue) at byte \(offset): \(detail)" }
}
