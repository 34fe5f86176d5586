/// `C = A B`, no transposes: small products computed here, large ones by OpenBLAS's `dgemm`.
///
/// The agent's products are small (its PCA reconstructs chunks of 64 rows; the Kolmogorov
/// distribution's matrix powers are at most about 130 x 130, most below 50 x 50), and at that
/// size a loop over contiguous columns keeps up with `dgemm`'s call. Computed here, they never
/// open OpenBLAS, whose mapping (1.2 MiB of relocated function tables, libgfortran) an agent
/// without vector features then does without.
enum MatrixProduct {
    /// The most multiply-adds (`m n k`) computed here.
    static let smallest = 1 << 18

    /// `C = A B` with `A` `m x k`, `B` `k x n`, `C` `m x n`, each column-major with the given
    /// leading dimension.
    static func columnMajor(
        m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        if m * n * k > smallest {
            OpenBLAS.routines.dgemm(
                OpenBLAS.columnMajor, OpenBLAS.noTranspose, OpenBLAS.noTranspose, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b,
                Int32(ldb), 0, c, Int32(ldc))
            return
        }
        for j in 0..<n {
            let column = c + j * ldc
            column.update(repeating: 0, count: m)
            for p in 0..<k {
                let factor = b[p + j * ldb]
                let source = a + p * lda
                for i in 0..<m { column[i] += source[i] * factor }
            }
        }
    }

    /// `C = A B` with every matrix row-major: the column-major product `C' = B' A'`.
    static func rowMajor(
        m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        columnMajor(m: n, n: m, k: k, a: b, lda: ldb, b: a, ldb: lda, c: c, ldc: ldc)
    }
}
