/// `C = A B`, no transposes: small products computed here, large ones by OpenBLAS's `dgemm`.
///
/// The agent's products are small (its PCA reconstructs chunks of 64 rows; the Kolmogorov
/// distribution's matrix powers are at most about 130 x 130, most below 50 x 50). Computed
/// here, they never open OpenBLAS, whose mapping (1.2 MiB of relocated function tables,
/// libgfortran) an agent without vector features then does without. The price is speed: built
/// for SSE2, the loop has no AVX-512 kernel as `dgemm` does (`make bench-kernels`: the
/// window's univariate tests with its PCA 13.7 ms here, 10.7 with `dgemm`).
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
        // Four columns of C at a time, four rows in registers: each value of A read once per
        // four products instead of a load and a store of C per product.
        var j = 0
        while j + 4 <= n {
            let (b0, b1, b2, b3) = (b + j * ldb, b + (j + 1) * ldb, b + (j + 2) * ldb, b + (j + 3) * ldb)
            let (c0, c1, c2, c3) = (c + j * ldc, c + (j + 1) * ldc, c + (j + 2) * ldc, c + (j + 3) * ldc)
            var i = 0
            while i + 4 <= m {
                var (s0, s1, s2, s3) = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
                for p in 0..<k {
                    let x = UnsafeRawPointer(a + p * lda + i).loadUnaligned(as: SIMD4<Double>.self)
                    s0 += x * b0[p]
                    s1 += x * b1[p]
                    s2 += x * b2[p]
                    s3 += x * b3[p]
                }
                UnsafeMutableRawPointer(c0 + i).storeBytes(of: s0, as: SIMD4<Double>.self)
                UnsafeMutableRawPointer(c1 + i).storeBytes(of: s1, as: SIMD4<Double>.self)
                UnsafeMutableRawPointer(c2 + i).storeBytes(of: s2, as: SIMD4<Double>.self)
                UnsafeMutableRawPointer(c3 + i).storeBytes(of: s3, as: SIMD4<Double>.self)
                i += 4
            }
            while i < m {
                var (t0, t1, t2, t3) = (0.0, 0.0, 0.0, 0.0)
                for p in 0..<k {
                    let x = a[p * lda + i]
                    t0 += x * b0[p]
                    t1 += x * b1[p]
                    t2 += x * b2[p]
                    t3 += x * b3[p]
                }
                (c0[i], c1[i], c2[i], c3[i]) = (t0, t1, t2, t3)
                i += 1
            }
            j += 4
        }
        while j < n {
            let (column, factors) = (c + j * ldc, b + j * ldb)
            for i in 0..<m {
                var total = 0.0
                for p in 0..<k { total += a[p * lda + i] * factors[p] }
                column[i] = total
            }
            j += 1
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
