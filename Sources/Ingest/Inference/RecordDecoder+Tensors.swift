import DriftMonitor

/// The features a tensor's columns are: a mapping from config, or the feature named like the
/// tensor for its only column; and which column is the model's prediction.
struct TensorColumns {
    /// Index in ``RecordDecoder/tensorColumnSlots``, or -1.
    var mapped: Int
    /// Slot of the feature named like the tensor, or -1.
    var single: Int
    /// The column named ``JSONFields/prediction`` (mapped, or the tensor's only column named
    /// so), or -1: its elements are the rows' ``DecodedRow/predictionNumber``.
    var prediction = -1
    /// Slot of the vector feature every column of a row is a coordinate of (the tensor is
    /// named like it, or mapped to it alone), or -1.
    var vector = -1

    /// Whether any column is read.
    var isRead: Bool { mapped >= 0 || single >= 0 || prediction >= 0 || vector >= 0 }
}

extension RecordDecoder {
    func columns(ofTensor name: UnsafeRawBufferPointer) -> TensorColumns {
        if let code = tensorNames.lookup(name) {
            let slots = tensorColumnSlots[Int(code)]
            if slots.count == 1, slots[0] >= 0, space.features[slots[0]].kind == .vector {
                return TensorColumns(mapped: -1, single: -1, vector: slots[0])
            }
            return TensorColumns(mapped: Int(code), single: -1, prediction: tensorPredictionColumns[Int(code)])
        }
        let prediction = predictionKey.map { name.elementsEqual($0) } ?? false
        if let slot = slot(named: name), space.features[slot].kind == .vector {
            return TensorColumns(mapped: -1, single: -1, vector: slot)
        }
        return TensorColumns(mapped: -1, single: slot(named: name) ?? -1, prediction: prediction ? 0 : -1)
    }

    /// A number of the prediction's column: row `row`'s prediction.
    @inline(__always)
    func placePrediction(_ number: Double, row: Int, of payload: inout InferencePayload, offset: Int) throws(DecodeError) {
        try use(row: row, of: &payload, offset: offset)
        payload.rows[row].predictionNumber = number
    }

    /// The slot of a column, or -1 if no monitored feature is that column.
    @inline(__always)
    func slot(column: Int, of columns: TensorColumns) -> Int {
        if columns.vector >= 0 { return columns.vector }
        if columns.mapped >= 0 {
            let slots = tensorColumnSlots[columns.mapped]
            return column < slots.count ? slots[column] : -1
        }
        return column == 0 ? columns.single : -1
    }

    /// Makes `row` a row of the payload, or fails past ``maximumBatchRows``.
    @inline(__always)
    func use(row: Int, of payload: inout InferencePayload, offset: Int) throws(DecodeError) {
        guard payload.use(row: row, limit: maximumBatchRows) else {
            throw DecodeError(.malformedTensor, at: offset, "more than \(maximumBatchRows) rows in one message")
        }
    }

    /// Sets a feature from a tensor number: a categorical feature takes the number's text as its category.
    mutating func place(number: Double, slot: Int, into row: inout DecodedRow) {
        let index = space.kindIndex[slot]
        switch space.features[slot].kind {
        case .categorical: break
        case .numeric: return row.set(number: number, index: index, slot: slot)
        case .vector: return row.appendVectorValue(number, index: index)
        }
        if !number.isFinite {
            row.nonFinite.append(slot)
        } else if space.isBoolean[slot] {
            setBoolean(number: number, slot: slot, into: &row)
        } else if number == number.rounded(), abs(number) < 9.2e18 {
            place(integer: Int64(number), slot: slot, into: &row)
        } else {
            row.categorical[index] = space.dictionaries[index].code(for: "\(number)")
        }
    }

    /// Sets a feature from a tensor integer (a class id for a categorical feature, written in decimal).
    mutating func place(integer: Int64, slot: Int, into row: inout DecodedRow) {
        let index = space.kindIndex[slot]
        switch space.features[slot].kind {
        case .categorical: break
        case .numeric: return row.numeric[index] = Double(integer)
        case .vector: return row.appendVectorValue(Double(integer), index: index)
        }
        if space.isBoolean[slot] { return setBoolean(number: Double(integer), slot: slot, into: &row) }
        row.categorical[index] = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var magnitude = integer.magnitude
            var start = 24
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if integer < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            let text = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[start..<24]))
            return space.dictionaries[index].code(for: text) ?? space.dictionaries[index].overflowCode
        }
    }
}
