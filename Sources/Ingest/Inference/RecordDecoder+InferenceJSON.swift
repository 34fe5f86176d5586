import DriftMonitor

/// Inference request and response bodies in JSON, one row per instance:
///
/// - KServe v1: `{"instances": [...]}` or `{"inputs": [...]}`, `{"predictions": [...]}` or
///   `{"outputs": [...]}`, each instance an array (columns mapped by the tensor named like
///   the key), an object (keys are features) or a scalar (one column).
/// - Open Inference Protocol v2: `"inputs"` / `"outputs"` hold tensors `{"name", "shape",
///   "datatype", "data"}`; `data` is flat in row-major order or nested, one row per element
///   of the batch dimension. `"id"` and `"model_name"` fill the payload's when it has none.
extension RecordDecoder {
    /// The body object at the scanner's position.
    mutating func decodeInferenceBody(_ scanner: inout JSONScanner, into payload: inout InferencePayload) throws(DecodeError) {
        guard scanner.peek() == UInt8(ascii: "{") else {
            guard let first = scanner.peek() else { throw scanner.error(.malformedJSON, "the body is empty") }
            throw scanner.error(.notAnObject, "the body is a JSON \(JSONScanner.typeName(of: first)), not an object")
        }
        try scanner.members { (key, scanner) throws(DecodeError) in
            let isInstances = scanner.matches(key, "instances") || scanner.matches(key, "inputs")
            let isPredictions = scanner.matches(key, "predictions") || scanner.matches(key, "outputs")
            if (isInstances || isPredictions) && scanner.peek() == UInt8(ascii: "[") {
                try decodeInstances(&scanner, named: key, into: &payload)
            } else if scanner.matches(key, "id") && payload.id.isEmpty && scanner.peek() == UInt8(ascii: "\"") {
                let token = try scanner.string()
                payload.id.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[token.range]))
            } else if scanner.matches(key, "model_name") && payload.model.isEmpty && scanner.peek() == UInt8(ascii: "\"") {
                let token = try scanner.string()
                payload.model.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[token.range]))
            } else {
                try scanner.skipValue()
            }
        }
        payload.collectUnknownFields(of: UnsafeRawBufferPointer(scanner.bytes))
    }

    /// The array under `instances`, `inputs`, `predictions` or `outputs`: OIP tensors or v1 instances.
    private mutating func decodeInstances(
        _ scanner: inout JSONScanner, named key: JSONScanner.StringToken, into payload: inout InferencePayload
    ) throws(DecodeError) {
        let columns = columns(ofTensor: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[key.range]))
        // A v2 request's "outputs" names the tensors it wants back: no values.
        let requestedOutputs = payload.role == .request && scanner.matches(key, "outputs")
        let unmapped = !columns.isRead
        var unmappedRows = false
        defer {
            if unmappedRows { payload.noteUnknownField(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[key.range])) }
        }
        try scanner.elements { (index, scanner) throws(DecodeError) in
            switch scanner.peek() {
            case UInt8(ascii: "{"):
                if try isTensor(scanner) {
                    try decodeTensor(&scanner, into: &payload)
                } else if requestedOutputs {
                    try scanner.skipValue()
                } else {
                    try use(row: index, of: &payload, offset: scanner.position)
                    try decodeObject(&scanner, into: &payload.rows[index], topLevel: false)
                }
            case UInt8(ascii: "["):
                unmappedRows = unmappedRows || unmapped
                try use(row: index, of: &payload, offset: scanner.position)
                var column = 0
                try decodeNestedColumns(&scanner, columns: columns, row: index, column: &column, into: &payload)
            default:
                unmappedRows = unmappedRows || unmapped
                try decodeElement(&scanner, columns: columns, row: index, column: 0, into: &payload)
            }
        }
    }

    /// Whether the object at the scanner is an OIP tensor: it has a `"data"` key, or a
    /// `"datatype"` and `"parameters"` (its data may follow the body as binary data).
    private func isTensor(_ scanner: JSONScanner) throws(DecodeError) -> Bool {
        var probe = scanner
        var (data, datatype, parameters) = (false, false, false)
        try probe.members { (key, probe) throws(DecodeError) in
            if probe.matches(key, "data") { data = true }
            if probe.matches(key, "datatype") { datatype = true }
            if probe.matches(key, "parameters") { parameters = true }
            try probe.skipValue()
        }
        return data || (datatype && parameters)
    }

    /// `{"name", "shape", "datatype", "data"}` in any key order: the data is read once the
    /// name and shape are known. A tensor with `"parameters": {"binary_data_size": N}` and no
    /// data has its values after the body (``decodeBinaryData(_:from:into:)``).
    private mutating func decodeTensor(_ scanner: inout JSONScanner, into payload: inout InferencePayload) throws(DecodeError) {
        var name = 0..<0
        var datatype = 0..<0
        var width = 1
        var data: JSONScanner?
        var binarySize: Int?
        try scanner.members { (key, scanner) throws(DecodeError) in
            if scanner.matches(key, "name") && scanner.peek() == UInt8(ascii: "\"") {
                name = try scanner.string().range
            } else if scanner.matches(key, "datatype") && scanner.peek() == UInt8(ascii: "\"") {
                datatype = try scanner.string().range
            } else if scanner.matches(key, "shape") && scanner.peek() == UInt8(ascii: "[") {
                width = try rowWidth(&scanner)
            } else if scanner.matches(key, "data") {
                data = scanner
                try scanner.skipValue()
            } else if scanner.matches(key, "parameters") && scanner.peek() == UInt8(ascii: "{") {
                binarySize = try Self.binaryDataSize(&scanner)
            } else {
                try scanner.skipValue()
            }
        }
        let tensorName = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scanner.bytes)[name])
        let columns = columns(ofTensor: tensorName)
        if data == nil, let binarySize {
            let bytes = UnsafeRawBufferPointer(scanner.bytes)
            guard let type = TensorDatatype(UnsafeRawBufferPointer(rebasing: bytes[datatype])) else {
                throw DecodeError(.malformedTensor, at: datatype.lowerBound, "a binary tensor without a known datatype")
            }
            if !columns.isRead && field(named: tensorName) == nil { payload.noteUnknownField(tensorName) }
            binaryTensors.append(BinaryTensor(columns: columns, width: width, type: type, size: binarySize))
            return
        }
        guard var data else { return }
        guard columns.isRead else {
            if field(named: tensorName) == nil { payload.noteUnknownField(tensorName) }
            return
        }
        guard data.peek() == UInt8(ascii: "[") else {
            return try decodeElement(&data, columns: columns, row: 0, column: 0, into: &payload)
        }
        try data.elements { (index, data) throws(DecodeError) in
            if data.peek() == UInt8(ascii: "[") {
                // Nested: one element of the batch dimension per row.
                try use(row: index, of: &payload, offset: data.position)
                var column = 0
                try decodeNestedColumns(&data, columns: columns, row: index, column: &column, into: &payload)
            } else {
                try decodeElement(&data, columns: columns, row: index / width, column: index % width, into: &payload)
            }
        }
    }

    /// The product of a shape's dimensions after the first (the batch); 1 for a 1-D shape.
    private func rowWidth(_ scanner: inout JSONScanner) throws(DecodeError) -> Int {
        let start = scanner.position
        var width = 1
        try scanner.elements { (dimension, scanner) throws(DecodeError) in
            let value = try scanner.number()
            guard value >= 0, value == value.rounded(), value <= Double(maximumBatchRows) * 65_536 else {
                throw DecodeError(.malformedTensor, at: start, "the shape has a dimension of \(value)")
            }
            if dimension > 0 { width = width.multipliedReportingOverflow(by: Int(value)).partialValue }
            guard width <= 1 << 24 else { throw DecodeError(.malformedTensor, at: start, "a row of more than 2^24 values") }
        }
        return max(width, 1)
    }

    /// The values of one row given as nested arrays, flattened in row-major order.
    private mutating func decodeNestedColumns(
        _ scanner: inout JSONScanner, columns: TensorColumns, row: Int, column: inout Int, into payload: inout InferencePayload
    ) throws(DecodeError) {
        try scanner.elements { (_, scanner) throws(DecodeError) in
            if scanner.peek() == UInt8(ascii: "[") {
                try decodeNestedColumns(&scanner, columns: columns, row: row, column: &column, into: &payload)
            } else {
                try decodeElement(&scanner, columns: columns, row: row, column: column, into: &payload)
                column += 1
            }
        }
    }

    /// One tensor element: a value for the feature of its column, skipped if none.
    private mutating func decodeElement(
        _ scanner: inout JSONScanner, columns: TensorColumns, row: Int, column: Int, into payload: inout InferencePayload
    ) throws(DecodeError) {
        if column == columns.prediction {
            // Read from a copy: the feature of the column, if any, reads it again below.
            var copy = scanner
            switch copy.peek() ?? 0 {
            case UInt8(ascii: "t"), UInt8(ascii: "f"): try placePrediction(try copy.boolean() ? 1 : 0, row: row, of: &payload, offset: scanner.position)
            case let byte where JSONScanner.startsNumber(byte):
                try placePrediction(try copy.number(), row: row, of: &payload, offset: scanner.position)
            default: break
            }
        }
        let slot = slot(column: column, of: columns)
        guard slot >= 0 else { return try scanner.skipValue() }
        try use(row: row, of: &payload, offset: scanner.position)
        if columns.vector >= 0 {
            // Each element is the row's vector's next coordinate.
            return try Self.decodeVectorElement(&scanner, index: space.kindIndex[slot], into: &payload.rows[row])
        }
        try decodeFeatureValue(slot: slot, &scanner, into: &payload.rows[row])
    }
}
