@testable import DriftKernels
import Testing

/// The products `MatrixProduct` computes itself against OpenBLAS's `dgemm` on the same
/// matrices, and the check that names a missing OpenBLAS at start.
@Suite("MatrixProduct and OpenBLAS")
struct MatrixProductTests {
    /// Column-major `C = A B` by OpenBLAS, with the given leading dimensions.
    func dgemm(m: Int, n: Int, k: Int, _ a: [Double], lda: Int, _ b: [Double], ldb: Int) -> [Double] {
        var c = [Double](repeating: .nan, count: m * n)
        OpenBLAS.routines.dgemm(
            OpenBLAS.columnMajor, OpenBLAS.noTranspose, OpenBLAS.noTranspose, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b,
            Int32(ldb), 0, &c, Int32(m))
        return c
    }

    @Test(
        "Column-major and row-major products equal dgemm's, below the size computed here and above it",
        arguments: [(1, 1, 1), (3, 5, 2), (64, 24, 25), (23, 23, 23), (2, 7, 0), (64, 64, 65), (130, 130, 130)])
    func agreesWithDgemm(m: Int, n: Int, k: Int) {
        var generator = SeededGenerator(seed: UInt64(m * 10_000 + n * 100 + k))
        // Leading dimensions past the rows: the product must read only each column's first rows.
        let (lda, ldb) = (m + 3, k + 1)
        let a = (0..<(lda * k)).map { _ in Double.random(in: -1...1, using: &generator) }
        let b = (0..<(ldb * n)).map { _ in Double.random(in: -1...1, using: &generator) }
        let expected = dgemm(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb)
        var c = [Double](repeating: .nan, count: m * n)
        MatrixProduct.columnMajor(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: m)
        #expect(zip(c, expected).allSatisfy { abs($0 - $1) <= 1e-12 * Double(max(k, 1)) }, "\(m) x \(n) x \(k)")

        // The same buffers read row-major are B' (n x k) and A' (k x m); their product B'A' = (AB)'
        // row-major lies in memory as AB column-major.
        var rows = [Double](repeating: .nan, count: m * n)
        MatrixProduct.rowMajor(m: n, n: m, k: k, a: b, lda: ldb, b: a, ldb: lda, c: &rows, ldc: m)
        #expect(zip(rows, expected).allSatisfy { abs($0 - $1) <= 1e-12 * Double(max(k, 1)) }, "row-major \(m) x \(n) x \(k)")
    }

    @Test("The start check finds OpenBLAS and libc as the loader would, and names a library that is not there")
    func checkInstalled() throws {
        try OpenBLAS.checkInstalled()
        try OpenBLAS.checkInstalled("libc.so.6")
        #expect(throws: OpenBLAS.LoadError.self) { try OpenBLAS.checkInstalled("libdriftwatch-absent.so.9") }
    }
}
