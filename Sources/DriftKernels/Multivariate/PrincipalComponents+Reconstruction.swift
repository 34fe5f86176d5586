import COpenBLAS

extension PrincipalComponents {
    /// Running sum of per-row reconstruction errors: mergeable by addition.
    public struct ErrorSum: Sendable, Hashable, Codable {
        public var sum = 0.0
        public var rows = 0

        public init() {}

        /// Mean Euclidean distance between a row and its reconstruction from the kept axes.
        public var mean: Double { rows > 0 ? sum / Double(rows) : .nan }

        public mutating func merge(_ other: ErrorSum) {
            sum += other.sum
            rows += other.rows
        }
    }

    /// Adds the reconstruction error of every row of `data` (raw values, same columns as the
    /// fit). Per row, `|x - V V'x| = sqrt(|x|^2 - |V'x|^2)` since `V` is orthonormal, so the
    /// whole batch costs one `dgemm` (`Z = X V`) and two passes.
    ///
    /// - Parameter scratch: reused between calls so the hot path does not allocate.
    public func accumulateErrors(of data: ColumnMatrix, into total: inout ErrorSum, scratch: inout ColumnMatrix) {
        guard data.rows > 0 else { return }
        precondition(data.columns == dimension, "data has \(data.columns) columns, the basis \(dimension)")
        let x = Self.standardise(data, means: means, scales: scales)
        if scratch.rows != data.rows || scratch.columns != componentCount {
            scratch = ColumnMatrix(rows: data.rows, columns: componentCount)
        }
        let n = data.rows
        let d = dimension
        let k = componentCount
        x.storage.withUnsafeBufferPointer { x in
            components.withUnsafeBufferPointer { v in
                scratch.storage.withUnsafeMutableBufferPointer { z in
                    cblas_dgemm(
                        CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(k), Int32(d), 1,
                        x.baseAddress, Int32(n), v.baseAddress, Int32(d), 0, z.baseAddress, Int32(n))
                }
            }
        }
        var squared = [Double](repeating: 0, count: n)
        x.storage.withUnsafeBufferPointer { x in
            for column in 0..<d {
                let base = column * n
                for row in 0..<n { squared[row] += x[base + row] * x[base + row] }
            }
        }
        scratch.storage.withUnsafeBufferPointer { z in
            for column in 0..<k {
                let base = column * n
                for row in 0..<n { squared[row] -= z[base + row] * z[base + row] }
            }
        }
        var sum = 0.0
        for value in squared { sum += Swift.max(value, 0).squareRoot() }
        total.sum += sum
        total.rows += n
    }

    /// The mean reconstruction error of `data`.
    public func meanError(of data: ColumnMatrix) -> Double {
        var total = ErrorSum()
        var scratch = ColumnMatrix(rows: 0, columns: 0)
        accumulateErrors(of: data, into: &total, scratch: &scratch)
        return total.mean
    }
}
