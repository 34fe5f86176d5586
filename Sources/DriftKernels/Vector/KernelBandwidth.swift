/// The Gaussian kernel's bandwidth by the median heuristic, as alibi-detect's `sigma_median`
/// sets it: σ = √(m / 2), m the median squared distance between distinct rows of a reference
/// sample (the lower one of the middle pair), so that k(x, y) = exp(−‖x − y‖² / m).
public enum KernelBandwidth {
    /// - Parameters:
    ///   - rows: row-major, `dimension` values per row; the first `sample` rows are used
    ///     (pairs grow as their square: 1,000 rows are 499,500 pairs).
    /// - Returns: nil for fewer than two rows, or rows all equal.
    public static func median(rows: UnsafeBufferPointer<Double>, dimension: Int, sample: Int = 1_000) -> Double? {
        precondition(dimension > 0 && rows.count % dimension == 0, "rows of \(dimension) values")
        let n = min(rows.count / dimension, sample)
        guard n > 1 else { return nil }
        let blas = OpenBLAS.routines
        // ‖x − y‖² = ‖x‖² + ‖y‖² − 2 x·y, the products from one syrk.
        var gram = [Double](repeating: 0, count: n * n)
        gram.withUnsafeMutableBufferPointer { g in
            blas.dsyrk(OpenBLAS.rowMajor, OpenBLAS.upper, OpenBLAS.noTranspose, Int32(n), Int32(dimension), 1, rows.baseAddress, Int32(dimension), 0, g.baseAddress, Int32(n))
        }
        var distances: [Double] = []
        distances.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n {
            for j in (i + 1)..<n { distances.append(max(0, gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j])) }
        }
        distances.sort()
        let median = distances[(distances.count + 1) / 2 - 1]
        guard median > 0, median.isFinite else { return nil }
        return (median / 2).squareRoot()
    }
}
