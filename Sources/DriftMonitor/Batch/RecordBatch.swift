/// A model's records in columns: one contiguous Float64 column per numeric feature, one
/// code column per categorical feature, and per vector feature its present rows one after the
/// other (row-major, for `dgemm`), so kernels run over plain buffers.
public struct RecordBatch: Sendable {
    public private(set) var numeric: [[Double]]
    public private(set) var categorical: [[Int32]]
    public private(set) var vectors: [[Double]]
    public let vectorDimensions: [Int]
    /// Type mismatches per feature of the model's schema (numeric first, then categorical, then vector).
    public private(set) var typeMismatches: [Int]
    /// NaN or infinite values per feature, in the same order.
    public private(set) var nonFinite: [Int]
    public private(set) var count = 0

    public init(numericColumns: Int, categoricalColumns: Int, vectorDimensions: [Int] = [], capacity: Int) {
        numeric = (0..<numericColumns).map { _ in
            var column: [Double] = []
            column.reserveCapacity(capacity)
            return column
        }
        categorical = (0..<categoricalColumns).map { _ in
            var column: [Int32] = []
            column.reserveCapacity(capacity)
            return column
        }
        // A vector batch grows to what the traffic brings rather than capacity × d up front.
        vectors = vectorDimensions.map { _ in [] }
        self.vectorDimensions = vectorDimensions
        typeMismatches = [Int](repeating: 0, count: numericColumns + categoricalColumns + vectorDimensions.count)
        nonFinite = typeMismatches
    }

    /// Appends the row's values at the given kind indices.
    public mutating func append(_ row: DecodedRow, numericSources: [Int], categoricalSources: [Int], vectorSources: [Int] = []) {
        for (column, source) in numericSources.enumerated() {
            numeric[column].append(row.numeric[source])
        }
        for (column, source) in categoricalSources.enumerated() {
            categorical[column].append(row.categorical[source])
        }
        for (column, source) in vectorSources.enumerated() where row.hasVector(source) {
            let start = row.vectorOffsets[source]
            vectors[column].append(contentsOf: row.vectors[start..<(start + row.vectorDimensions[source])])
        }
        count += 1
    }

    /// Rows of vector column `column` with a value.
    public func vectorRows(_ column: Int) -> Int { vectors[column].count / vectorDimensions[column] }

    public mutating func countTypeMismatch(column: Int) {
        typeMismatches[column] += 1
    }

    public mutating func countNonFinite(column: Int) {
        nonFinite[column] += 1
    }

    public mutating func removeAll() {
        for i in numeric.indices { numeric[i].removeAll(keepingCapacity: true) }
        for i in categorical.indices { categorical[i].removeAll(keepingCapacity: true) }
        for i in vectors.indices { vectors[i].removeAll(keepingCapacity: true) }
        for i in typeMismatches.indices {
            typeMismatches[i] = 0
            nonFinite[i] = 0
        }
        count = 0
    }
}
