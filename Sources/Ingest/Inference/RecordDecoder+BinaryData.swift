/// A tensor of a JSON inference body whose values follow the body as binary data.
struct BinaryTensor {
    var columns: TensorColumns
    var width: Int
    var type: TensorDatatype
    var size: Int
}

/// The Open Inference Protocol's binary tensor data extension, as KServe writes it
/// (kserve python/kserve/kserve/protocol/infer_type.py, `InferRequest.to_rest` and
/// `InferResponse.to_rest`): a JSON body whose tensors declare `"parameters":
/// {"binary_data_size": N}` instead of `"data"`, followed by their raw bytes in tensor order
/// (little-endian, row-major; BYTES elements each after a 4-byte length). HTTP gives the
/// JSON's length in `Inference-Header-Content-Length`; KServe's logger does not keep that
/// header, so the JSON's end is found by parsing it.
extension RecordDecoder {
    /// `binary_data_size` of a tensor's `parameters` object, if it has one.
    static func binaryDataSize(_ scanner: inout JSONScanner) throws(DecodeError) -> Int? {
        var size: Int?
        let start = scanner.position
        try scanner.members { (key, scanner) throws(DecodeError) in
            if scanner.matches(key, "binary_data_size") {
                let value = try scanner.number()
                guard value >= 0, value == value.rounded(), value < Double(1 << 40) else {
                    throw DecodeError(.malformedTensor, at: start, "binary_data_size is \(value)")
                }
                size = Int(value)
            } else {
                try scanner.skipValue()
            }
        }
        return size
    }

    /// A JSON body that may be followed by binary tensor data; `body` is the whole of it.
    mutating func decodeBodyWithBinaryData(_ body: UnsafeRawBufferPointer, into payload: inout InferencePayload) throws(DecodeError) {
        binaryTensors.removeAll(keepingCapacity: true)
        var scanner = JSONScanner(body.assumingMemoryBound(to: UInt8.self), maximumDepth: maximumDepth)
        scanner.skipWhitespace()
        try decodeInferenceBody(&scanner, into: &payload)
        if binaryTensors.isEmpty {
            scanner.skipWhitespace()
            if !scanner.atEnd { throw scanner.error(.malformedJSON, "unexpected bytes after the object") }
            return
        }
        try decodeBinaryData(body, from: scanner.position, into: &payload)
    }

    /// The binary section from `start`: each declared tensor's bytes in turn, to the body's end.
    private mutating func decodeBinaryData(_ body: UnsafeRawBufferPointer, from start: Int, into payload: inout InferencePayload) throws(DecodeError) {
        var position = start
        for tensor in binaryTensors {
            guard tensor.size <= body.count - position else {
                throw DecodeError(
                    .malformedTensor, at: position,
                    "binary data of \(body.count - position) bytes where a \(tensor.type) tensor declares \(tensor.size)")
            }
            let range = position..<(position + tensor.size)
            if tensor.columns.isRead {
                var sink = TensorSink(columns: tensor.columns, width: tensor.width)
                try decodeRaw(body, range, tensor.type, into: &sink, &payload)
            }
            position = range.upperBound
        }
        guard position == body.count else {
            throw DecodeError(.malformedTensor, at: position, "\(body.count - position) bytes after the declared binary data")
        }
    }
}
