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

    /// Buffers reused between batches so that the hot path does not allocate.
    public struct Scratch: Sendable {
        var projection = ColumnMatrix(rows: 0, columns: 0)
        var squaredNorms: [Double] = []

        public init() {}
    }

    /// Adds the reconstruction error of every row of `data` (raw values, same columns as the
    /// fit), which is standardised in place. Per row, `|x - V V'x| = sqrt(|x|^2 - |V'x|^2)`
    /// since `V` is orthonormal, so the batch costs one pass, one `dgemm` (`Z = X V`) and one
    /// pass over `Z`.
    public func accumulateErrors(standardisingInPlace data: inout ColumnMatrix, into total: inout ErrorSum, scratch: inout Scratch) {
        guard data.rows > 0 else { return }
        precondition(data.columns == dimension, "data has \(data.columns) columns, the basis \(dimension)")
        let n = data.rows
        let k = componentCount
        // Reshaped within their capacity: a batch's last chunk is shorter than the others.
        if scratch.projection.columns != k {
            scratch.projection = ColumnMatrix(rows: n, columns: k)
        } else if scratch.projection.rows != n {
            scratch.projection.resize(rows: n)
        }
        if scratch.squaredNorms.count != n {
            scratch.squaredNorms.removeAll(keepingCapacity: true)
            scratch.squaredNorms.append(contentsOf: repeatElement(0, count: n))
        }
        scratch.squaredNorms.withUnsafeMutableBufferPointer { norms in
            for row in 0..<n { norms[row] = 0 }
            Self.standardise(&data, means: means, scales: scales, squaredNorms: norms)
        }
        let sum = data.storage.withUnsafeBufferPointer { x in
            scratch.squaredNorms.withUnsafeMutableBufferPointer { norms in
                errorSum(standardised: x.baseAddress!, stride: n, rows: n, squaredNorms: norms, projection: &scratch.projection)
            }
        }
        total.sum += sum
        total.rows += n
    }

    /// The sum of the reconstruction errors of `rows` standardised rows, column `j` of which
    /// starts at `x + j * stride`, given their squared lengths (which it overwrites).
    private func errorSum(
        standardised x: UnsafePointer<Double>, stride: Int, rows n: Int, squaredNorms norms: UnsafeMutableBufferPointer<Double>,
        projection: inout ColumnMatrix
    ) -> Double {
        let k = componentCount
        components.withUnsafeBufferPointer { v in
            projection.storage.withUnsafeMutableBufferPointer { z in
                MatrixProduct.columnMajor(
                    m: n, n: k, k: dimension, a: x, lda: stride, b: v.baseAddress!, ldb: dimension, c: z.baseAddress!, ldc: n)
            }
        }
        var sum = 0.0
        projection.storage.withUnsafeBufferPointer { z in
            for column in 0..<k {
                let base = column * n
                for row in 0..<n { norms[row] -= z[base + row] * z[base + row] }
            }
            for row in 0..<n { sum += Swift.max(norms[row], 0).squareRoot() }
        }
        return sum
    }

    /// The mean reconstruction error of the rows `range` of `data`, already standardised by
    /// this basis' means and scales.
    func meanError(ofStandardised data: ColumnMatrix, rows range: Range<Int>) -> Double {
        guard !range.isEmpty else { return .nan }
        precondition(data.columns == dimension, "data has \(data.columns) columns, the basis \(dimension)")
        let n = range.count
        var norms = [Double](repeating: 0, count: n)
        var projection = ColumnMatrix(rows: n, columns: componentCount)
        let sum = data.storage.withUnsafeBufferPointer { x in
            norms.withUnsafeMutableBufferPointer { norms in
                // Summed column by column, in the order `standardise` sums them.
                for column in 0..<data.columns {
                    let base = column * data.rows + range.lowerBound
                    for row in 0..<n { norms[row] += x[base + row] * x[base + row] }
                }
                return errorSum(
                    standardised: x.baseAddress! + range.lowerBound, stride: data.rows, rows: n, squaredNorms: norms, projection: &projection)
            }
        }
        return sum / Double(n)
    }

    /// The mean reconstruction error of `data`.
    public func meanError(of data: ColumnMatrix) -> Double {
        var total = ErrorSum()
        var copy = data
        var scratch = Scratch()
        accumulateErrors(standardisingInPlace: &copy, into: &total, scratch: &scratch)
        return total.mean
    }
}
