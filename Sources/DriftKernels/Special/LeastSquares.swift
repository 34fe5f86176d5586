#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small polynomial least-squares fits (`numpy.polyfit`), solved by Householder QR on the
/// column-scaled Vandermonde matrix so the result matches numpy's to rounding.
enum LeastSquares {
    /// Coefficients, highest power first, as numpy returns them.
    static func polynomial(x: [Double], y: [Double], degree: Int) -> [Double] {
        let rows = x.count
        let columns = degree + 1
        // Vandermonde, column j holds x^(degree - j); columns scaled to unit norm like numpy.
        var a = [[Double]](repeating: [Double](repeating: 0, count: rows), count: columns)
        for j in 0..<columns {
            for i in 0..<rows { a[j][i] = pow(x[i], Double(degree - j)) }
        }
        let scale = a.map { column in column.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        for j in 0..<columns { for i in 0..<rows { a[j][i] /= scale[j] } }
        var b = y
        for k in 0..<columns {
            var norm = 0.0
            for i in k..<rows { norm += a[k][i] * a[k][i] }
            norm = norm.squareRoot()
            let alpha = a[k][k] > 0 ? -norm : norm
            var v = [Double](repeating: 0, count: rows)
            for i in k..<rows { v[i] = a[k][i] }
            v[k] -= alpha
            let vv = v[k..<rows].reduce(0) { $0 + $1 * $1 }
            guard vv > 0 else { continue }
            for j in k..<columns {
                var dot = 0.0
                for i in k..<rows { dot += v[i] * a[j][i] }
                let f = 2 * dot / vv
                for i in k..<rows { a[j][i] -= f * v[i] }
            }
            var dot = 0.0
            for i in k..<rows { dot += v[i] * b[i] }
            let f = 2 * dot / vv
            for i in k..<rows { b[i] -= f * v[i] }
        }
        var coefficients = [Double](repeating: 0, count: columns)
        for k in stride(from: columns - 1, through: 0, by: -1) {
            var sum = b[k]
            for j in (k + 1)..<columns { sum -= a[j][k] * coefficients[j] }
            coefficients[k] = sum / a[k][k]
        }
        return (0..<columns).map { coefficients[$0] / scale[$0] }
    }

    /// Horner evaluation of coefficients given highest power first.
    static func evaluate(_ coefficients: [Double], at x: Double) -> Double {
        coefficients.reduce(0) { $0 * x + $1 }
    }
}
