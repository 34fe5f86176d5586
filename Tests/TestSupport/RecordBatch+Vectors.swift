import DriftMonitor

extension RecordBatch {
    /// A batch of one vector feature, a row per element of `rows` (each of `dimension` values).
    public init(vectorRows rows: [[Double]], dimension: Int) throws {
        var space = FeatureSpace()
        try space.declare([Feature(name: "vector", kind: .vector, dimension: dimension)])
        var row = DecodedRow(space: space)
        self.init(numericColumns: 0, categoricalColumns: 0, vectorDimensions: [dimension], capacity: rows.count)
        for values in rows {
            row.reset()
            for value in values { row.appendVectorValue(value, index: 0) }
            append(row, numericSources: [], categoricalSources: [], vectorSources: [0])
        }
    }
}
