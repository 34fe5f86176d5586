/// A dense matrix stored column after column (BLAS column-major): each feature's values are
/// contiguous, as in a ``RecordBatch``-style columnar buffer.
public struct ColumnMatrix: Sendable, Hashable {
    public private(set) var rows: Int
    public let columns: Int
    public internal(set) var storage: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        storage = [Double](repeating: value, count: rows * columns)
    }

    /// Copies equal-length columns side by side.
    public init(columns: [[Double]]) {
        let rows = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rows }, "columns of different lengths")
        self.rows = rows
        self.columns = columns.count
        storage = []
        storage.reserveCapacity(rows * columns.count)
        for column in columns { storage.append(contentsOf: column) }
    }

    /// Refills the matrix with equal-length columns, reusing its storage.
    public mutating func load(columns source: [[Double]]) {
        rows = source.first?.count ?? 0
        precondition(source.count == columns && source.allSatisfy { $0.count == rows }, "columns do not fit the matrix")
        storage.removeAll(keepingCapacity: true)
        for column in source { storage.append(contentsOf: column) }
    }

    /// Copies the rows `range` of equal-length columns side by side, reusing the storage: a
    /// batch goes through the PCA in chunks, so the matrix stays a chunk's size.
    public mutating func load(columns source: [[Double]], rows range: Range<Int>) {
        precondition(source.count == columns && source.allSatisfy { $0.count >= range.upperBound }, "columns do not fit the matrix")
        rows = range.count
        storage.removeAll(keepingCapacity: true)
        storage.reserveCapacity(rows * columns)
        for column in source { storage.append(contentsOf: column[range]) }
    }

    /// Makes the matrix `rows` zeros tall, keeping the storage's capacity.
    public mutating func resize(rows: Int) {
        self.rows = rows
        storage.removeAll(keepingCapacity: true)
        storage.append(contentsOf: repeatElement(0, count: rows * columns))
    }

    /// Copies rows stored one after the other (`columns` values each), reusing the storage.
    public mutating func load(rowMajor source: UnsafeBufferPointer<Double>) {
        precondition(columns > 0 && source.count % columns == 0, "rows of \(columns) values")
        if source.count / columns != rows { resize(rows: source.count / columns) }
        let (n, d) = (rows, columns)
        storage.withUnsafeMutableBufferPointer { target in
            for row in 0..<n {
                for column in 0..<d { target[column * n + row] = source[row * d + column] }
            }
        }
    }

    public subscript(row: Int, column: Int) -> Double {
        get { storage[column * rows + row] }
        set { storage[column * rows + row] = newValue }
    }

    /// Rows `range` as a matrix of its own.
    public func rows(_ range: Range<Int>) -> ColumnMatrix {
        var slice = ColumnMatrix(rows: range.count, columns: columns)
        for column in 0..<columns {
            let start = column * rows
            for (i, row) in range.enumerated() { slice.storage[column * range.count + i] = storage[start + row] }
        }
        return slice
    }
}
