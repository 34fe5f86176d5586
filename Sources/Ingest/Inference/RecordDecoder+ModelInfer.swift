import DriftMonitor

/// Seldon Core v2 topics (formats.md §2): `inference.ModelInferRequest` on `.inputs`,
/// `inference.ModelInferResponse` on `.outputs`, read from the protobuf wire format, bare or in
/// a schema-registry frame (``SchemaRegistryFrame``).
///
/// Tensor values come from the typed `contents` or from the raw contents (little-endian,
/// row-major; BYTES elements prefixed by a 4-byte length), paired with tensors by position.
/// The record key joins inputs and outputs (the model gateway copies it, whatever its form:
/// `<partition>.<resource>.<request id>` since mid-2025, `<resource>.<id>` before), else the
/// message's `id`. The topic decides request or response: the model gateway copies the
/// request's headers onto its response (scheduler/pkg/kafka/gateway/worker.go, `produce`), so a
/// `seldon-infer-type` header only says JSON or protobuf there; it decides the role only off a
/// Seldon topic. A `json/...` type, or protobuf that does not parse but starts with `{`, means
/// an OIP v2 JSON body.
extension RecordDecoder {
    private enum Field {
        static let modelName: UInt64 = 1
        static let id: UInt64 = 3
        static let tensors: UInt64 = 5
        static let rawRequestContents: UInt64 = 7
        static let rawResponseContents: UInt64 = 6
    }

    mutating func decodeModelInfer(
        _ record: UnsafeRawBufferPointer, envelope: MessageEnvelope, into payload: inout InferencePayload
    ) throws(DecodeError) {
        if let topic = envelope.topic {
            payload.role = topic.role
            if topic.kind == .errors {
                payload.setModel(envelope.seldonErroredModel)
                return
            }
            payload.model.append(contentsOf: topic.model.utf8)
        } else {
            payload.role = .request
            if let type = envelope.seldonInferType, MessageEnvelope.hasSuffix(type, "Response") { payload.role = .response }
        }
        if let key = envelope.key, !key.isEmpty {
            payload.id.append(contentsOf: key)
            // Read from the right, as the resource is: the request id is the last part.
            payload.requestIDStart = payload.id.lastIndex(of: UInt8(ascii: ".")).map { $0 + 1 } ?? 0
        }
        if let type = envelope.seldonInferType, MessageEnvelope.hasPrefix(type, "json/") {
            return try decodeSeldonJSON(record, into: &payload)
        }
        let message = UnsafeRawBufferPointer(rebasing: record[try SchemaRegistryFrame.messageStart(of: record)...])
        do {
            try decodeModelInferProtobuf(message, into: &payload)
        } catch {
            guard record.first(where: { $0 > 0x20 }) == UInt8(ascii: "{") else { throw error }
            let role = payload.role
            let (id, start, model) = (payload.id, payload.requestIDStart, payload.model)
            payload.reset()
            (payload.role, payload.id, payload.requestIDStart, payload.model) = (role, id, start, model)
            try decodeSeldonJSON(record, into: &payload)
        }
    }

    private mutating func decodeSeldonJSON(_ record: UnsafeRawBufferPointer, into payload: inout InferencePayload) throws(DecodeError) {
        try decodeBodyWithBinaryData(record, into: &payload)
    }

    mutating func decodeModelInferProtobuf(_ record: UnsafeRawBufferPointer, into payload: inout InferencePayload) throws(DecodeError) {
        let rawField = payload.role == .response ? Field.rawResponseContents : Field.rawRequestContents
        tensorRanges.removeAll(keepingCapacity: true)
        rawRanges.removeAll(keepingCapacity: true)
        var reader = ProtobufReader(record, 0..<record.count)
        var modelName = 0..<0
        var id = 0..<0
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            if field == Field.modelName || field == Field.id || field == Field.tensors || field == rawField {
                guard wireType == .lengthDelimited else { throw reader.error("field \(field) has wire type \(wireType)", at: start) }
                let range = try reader.lengthDelimited()
                switch field {
                case Field.modelName: modelName = range
                case Field.id: id = range
                case Field.tensors: tensorRanges.append(range)
                default: rawRanges.append(range)
                }
            } else {
                try reader.skip(wireType)
            }
        }
        if payload.model.isEmpty { payload.model.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[modelName])) }
        if payload.id.isEmpty { payload.id.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[id])) }
        guard rawRanges.isEmpty || rawRanges.count == tensorRanges.count else {
            throw DecodeError(
                .malformedTensor, at: 0, "\(rawRanges.count) raw contents for \(tensorRanges.count) tensors: they pair by position")
        }
        for index in tensorRanges.indices {
            try decodeTensor(record, tensorRanges[index], raw: rawRanges.isEmpty ? nil : rawRanges[index], into: &payload)
        }
    }

    /// One `InferInputTensor` / `InferOutputTensor`: name 1, datatype 2, shape 3, contents 5.
    private mutating func decodeTensor(
        _ record: UnsafeRawBufferPointer, _ range: Range<Int>, raw: Range<Int>?, into payload: inout InferencePayload
    ) throws(DecodeError) {
        var reader = ProtobufReader(record, range)
        var name = range.lowerBound..<range.lowerBound
        var datatype = name
        var contents: Range<Int>?
        var width = 1
        var dimensions = 0
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited): name = try reader.lengthDelimited()
            case (2, .lengthDelimited): datatype = try reader.lengthDelimited()
            case (5, .lengthDelimited): contents = try reader.lengthDelimited()
            case (3, .varint):
                try multiply(&width, by: try reader.varint(), dimensions: &dimensions, at: start)
            case (3, .lengthDelimited):
                var packed = ProtobufReader(record, try reader.lengthDelimited())
                while !packed.atEnd { try multiply(&width, by: try packed.varint(), dimensions: &dimensions, at: start) }
            case (1, _), (2, _), (3, _), (5, _):
                throw reader.error("tensor field \(field) has wire type \(wireType)", at: start)
            default:
                try reader.skip(wireType)
            }
        }
        let columns = columns(ofTensor: UnsafeRawBufferPointer(rebasing: record[name]))
        guard columns.isRead else {
            if field(named: UnsafeRawBufferPointer(rebasing: record[name])) == nil {
                payload.noteUnknownField(UnsafeRawBufferPointer(rebasing: record[name]))
            }
            return
        }
        guard let type = TensorDatatype(UnsafeRawBufferPointer(rebasing: record[datatype])) else {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: record[datatype]), as: UTF8.self)
            throw DecodeError(.malformedTensor, at: datatype.lowerBound, "unknown datatype '\(text)'")
        }
        var sink = TensorSink(columns: columns, width: width)
        if let raw {
            if contents != nil { throw DecodeError(.malformedTensor, at: range.lowerBound, "a tensor has both contents and raw contents") }
            try decodeRaw(record, raw, type, into: &sink, &payload)
        } else if let contents {
            try decodeContents(record, contents, into: &sink, &payload)
        }
    }

    /// The shape's dimensions after the batch multiply into the row width.
    private func multiply(_ width: inout Int, by dimension: UInt64, dimensions: inout Int, at offset: Int) throws(DecodeError) {
        defer { dimensions += 1 }
        guard dimensions > 0 else { return }
        let (product, overflow) = width.multipliedReportingOverflow(by: Int(truncatingIfNeeded: dimension))
        guard !overflow, dimension <= 1 << 24, product <= 1 << 24 else {
            throw DecodeError(.malformedTensor, at: offset, "a row of more than 2^24 values")
        }
        width = max(product, 1)
    }

    /// `InferTensorContents`: each repeated field packed or not; the elements count across fields.
    private mutating func decodeContents(
        _ record: UnsafeRawBufferPointer, _ range: Range<Int>, into sink: inout TensorSink, _ payload: inout InferencePayload
    ) throws(DecodeError) {
        var reader = ProtobufReader(record, range)
        while !reader.atEnd {
            let start = reader.position
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1...5, .varint):
                try place(varint: try reader.varint(), field: field, into: &sink, &payload, at: start)
            case (1...5, .lengthDelimited):
                var packed = ProtobufReader(record, try reader.lengthDelimited())
                while !packed.atEnd { try place(varint: try packed.varint(), field: field, into: &sink, &payload, at: start) }
            case (6, .fixed32):
                try place(number: Double(Float(bitPattern: try reader.fixed32())), into: &sink, &payload, at: start)
            case (6, .lengthDelimited):
                var packed = ProtobufReader(record, try reader.lengthDelimited())
                while !packed.atEnd { try place(number: Double(Float(bitPattern: try packed.fixed32())), into: &sink, &payload, at: start) }
            case (7, .fixed64):
                try place(number: Double(bitPattern: try reader.fixed64()), into: &sink, &payload, at: start)
            case (7, .lengthDelimited):
                var packed = ProtobufReader(record, try reader.lengthDelimited())
                while !packed.atEnd { try place(number: Double(bitPattern: try packed.fixed64()), into: &sink, &payload, at: start) }
            case (8, .lengthDelimited):
                try place(bytes: try reader.lengthDelimited(), of: record, into: &sink, &payload, at: start)
            case (1...8, _):
                throw reader.error("contents field \(field) has wire type \(wireType)", at: start)
            default:
                try reader.skip(wireType)
            }
        }
    }

    /// Raw contents: little-endian elements of the datatype's size, or length-prefixed BYTES.
    mutating func decodeRaw(
        _ record: UnsafeRawBufferPointer, _ range: Range<Int>, _ type: TensorDatatype, into sink: inout TensorSink,
        _ payload: inout InferencePayload
    ) throws(DecodeError) {
        if type == .bytes {
            var position = range.lowerBound
            while position < range.upperBound {
                guard range.upperBound - position >= 4 else {
                    throw DecodeError(.malformedTensor, at: position, "raw BYTES end inside a length prefix")
                }
                let length = Int(UInt32(littleEndian: record.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
                guard length <= range.upperBound - position - 4 else {
                    throw DecodeError(.malformedTensor, at: position, "a raw BYTES element of \(length) bytes overruns its tensor")
                }
                try place(bytes: (position + 4)..<(position + 4 + length), of: record, into: &sink, &payload, at: position)
                position += 4 + length
            }
            return
        }
        let size = type.size
        guard range.count % size == 0 else {
            throw DecodeError(.malformedTensor, at: range.lowerBound, "\(range.count) raw bytes are not whole \(type) elements of \(size) bytes")
        }
        var position = range.lowerBound
        while position < range.upperBound {
            if sink.column == sink.columns.prediction {
                let number = type == .bool ? (record[position] != 0 ? 1 : 0) : type.integer(record, at: position).map(Double.init) ?? type.number(record, at: position)
                try placePrediction(number, row: sink.row, of: &payload, offset: position)
            }
            let slot = slot(column: sink.column, of: sink.columns)
            if slot >= 0 {
                try use(row: sink.row, of: &payload, offset: position)
                if type == .bool {
                    setFlag(record[position] != 0, slot: slot, into: &payload.rows[sink.row])
                } else if let integer = type.integer(record, at: position) {
                    place(integer: integer, slot: slot, into: &payload.rows[sink.row])
                } else {
                    place(number: type.number(record, at: position), slot: slot, into: &payload.rows[sink.row])
                }
            }
            sink.advance()
            position += size
        }
    }

    /// A varint element of contents field 1 (bool), 2 (int32), 3 (int64), 4 (uint32) or 5 (uint64).
    private mutating func place(
        varint: UInt64, field: UInt64, into sink: inout TensorSink, _ payload: inout InferencePayload, at offset: Int
    ) throws(DecodeError) {
        defer { sink.advance() }
        if sink.column == sink.columns.prediction {
            let number: Double = switch field {
            case 1: varint != 0 ? 1 : 0
            case 2: Double(Int32(truncatingIfNeeded: varint))
            case 3: Double(Int64(bitPattern: varint))
            case 4: Double(UInt32(truncatingIfNeeded: varint))
            default: Double(varint)
            }
            try placePrediction(number, row: sink.row, of: &payload, offset: offset)
        }
        let slot = slot(column: sink.column, of: sink.columns)
        guard slot >= 0 else { return }
        try use(row: sink.row, of: &payload, offset: offset)
        switch field {
        case 1: setFlag(varint != 0, slot: slot, into: &payload.rows[sink.row])
        case 2: place(integer: Int64(Int32(truncatingIfNeeded: varint)), slot: slot, into: &payload.rows[sink.row])
        case 3: place(integer: Int64(bitPattern: varint), slot: slot, into: &payload.rows[sink.row])
        case 4: place(integer: Int64(UInt32(truncatingIfNeeded: varint)), slot: slot, into: &payload.rows[sink.row])
        default:
            if varint <= UInt64(Int64.max) {
                place(integer: Int64(varint), slot: slot, into: &payload.rows[sink.row])
            } else {
                place(number: Double(varint), slot: slot, into: &payload.rows[sink.row])
            }
        }
    }

    private mutating func place(number: Double, into sink: inout TensorSink, _ payload: inout InferencePayload, at offset: Int) throws(DecodeError) {
        defer { sink.advance() }
        if sink.column == sink.columns.prediction { try placePrediction(number, row: sink.row, of: &payload, offset: offset) }
        let slot = slot(column: sink.column, of: sink.columns)
        guard slot >= 0 else { return }
        try use(row: sink.row, of: &payload, offset: offset)
        place(number: number, slot: slot, into: &payload.rows[sink.row])
    }

    /// A BYTES element: a category, or a type mismatch for a numeric feature.
    private mutating func place(
        bytes: Range<Int>, of record: UnsafeRawBufferPointer, into sink: inout TensorSink, _ payload: inout InferencePayload, at offset: Int
    ) throws(DecodeError) {
        defer { sink.advance() }
        let slot = slot(column: sink.column, of: sink.columns)
        guard slot >= 0 else { return }
        try use(row: sink.row, of: &payload, offset: offset)
        try setCategory(UnsafeRawBufferPointer(rebasing: record[bytes]), slot: slot, offset: bytes.lowerBound, into: &payload.rows[sink.row])
    }
}

/// Where the next element of a flattened row-major tensor goes.
struct TensorSink {
    let columns: TensorColumns
    let width: Int
    private(set) var row = 0
    private(set) var column = 0

    init(columns: TensorColumns, width: Int) {
        self.columns = columns
        self.width = width
    }

    @inline(__always)
    mutating func advance() {
        column += 1
        if column == width {
            column = 0
            row += 1
        }
    }
}
