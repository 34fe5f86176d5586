#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two-sided one-sample Kolmogorov distribution `Pr(D_n > x)`, as `scipy.stats.kstwo.sf`.
///
/// A port of scipy's `_ksstats._kolmogn` (Simard and L'Ecuyer's choice of algorithm by region):
/// Ruben-Gambino at the extremes, the exact Smirnov sum for large `x`, Durbin's matrix
/// (Marsaglia-Tsang-Wang) and Pomeranz's recursion for small `n`, Pelz-Good otherwise.
public enum KolmogorovDistribution {
    /// `Pr(D_n > x)`.
    public static func survival(_ n: Int, _ x: Double) -> Double {
        guard n > 0, !x.isNaN else { return .nan }
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {
            if t <= 0.5 { return 1 }
            let cdf: Double
            if n <= 140 {
                var product = 1.0
                for i in 1...n { product *= Double(i) / nd * (2 * t - 1) }
                cdf = product
            } else {
                cdf = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= nd - 1 {
            return clip(2 * pow(1 - x, nd))
        }
        if x >= 0.5 {
            return clip(2 * smirnovSurvival(n, x))
        }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinCDF(n, x)) }
            if nxSquared <= 4 { return clip(1 - pomeranzCDF(n, x)) }
            return clip(2 * smirnovSurvival(n, x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnovSurvival(n, x)) }
        let cdf: Double
        if nxSquared >= 18 {
            cdf = 1
        } else if n <= 100_000 && nd * pow(x, 1.5) <= 1.4 {
            cdf = durbinCDF(n, x)
        } else {
            cdf = pelzGoodCDF(n, x)
        }
        return clip(1 - cdf)
    }

    @inline(__always)
    static func clip(_ p: Double) -> Double { Swift.min(Swift.max(p, 0), 1) }

    static let stirlingCoefficients: [Double] = [
        -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
        -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ]

    /// `log(n! / n^n)` by Stirling's series.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let nd = Double(n)
        let rn = 1 / nd
        var polynomial = 0.0
        for c in stirlingCoefficients { polynomial = polynomial * (rn / nd) + c }
        return log(nd) / 2 - nd + log(2 * Double.pi) / 2 + rn * polynomial
    }

    /// One-sided exact `Pr(D+_n >= x)` (Birnbaum-Tingey), scipy's `smirnov(n, x)`.
    static func smirnovSurvival(_ n: Int, _ x: Double) -> Double {
        if n == 1 { return x }
        if x <= 0 { return 1 }
        if x >= 1 { return 0 }
        let nd = Double(n)
        let last = Int((nd * (1 - x)).rounded(.down))
        // Terms rise then fall in j; sum in log space and stop once they are negligible.
        var logChoose = 0.0
        var sum = 0.0
        var peak = -Double.infinity
        for j in 0...last {
            if j > 0 { logChoose += log(nd - Double(j - 1)) - log(Double(j)) }
            let a = 1 - x - Double(j) / nd
            let b = x + Double(j) / nd
            guard a > 0 else { break }
            let logTerm = logChoose + (nd - Double(j)) * log(a) + (Double(j) - 1) * log(b)
            peak = Swift.max(peak, logTerm)
            sum += exp(logTerm)
            if logTerm < peak - 45 { break }
        }
        return x * sum
    }

    /// Durbin's matrix algorithm as in Marsaglia, Tsang and Wang (2003): `Pr(D_n <= d)`.
    static func durbinCDF(_ n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var H = [Double](repeating: 0, count: m * m)  // row-major
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] = (1 - pow(h, Double(j))) * factorial
        }
        let tt = pow(Swift.max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + tt) * factorial
        for i in 1..<m {
            // H[i-1:, i] = w[:m-i+1]
            for row in (i - 1)..<m { H[row * m + i] = w[row - (i - 1)] }
        }
        for row in 0..<m { H[row * m] = v[row] }
        for column in 0..<m { H[(m - 1) * m + column] = v[m - 1 - column] }

        let scale = 0x1p128
        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var exponent = 0
        var hExponent = 0
        var remaining = n
        var scratch = [Double](repeating: 0, count: m * m)
        while remaining > 0 {
            if remaining % 2 == 1 {
                multiply(power, H, into: &scratch, m)
                swap(&power, &scratch)
                exponent += hExponent
            }
            multiply(H, H, into: &scratch, m)
            swap(&H, &scratch)
            hExponent *= 2
            if abs(H[(k - 1) * m + (k - 1)]) > scale {
                for i in H.indices { H[i] /= scale }
                hExponent += 128
            }
            remaining /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < 0x1p-128 {
                p *= scale
                exponent -= 128
            }
        }
        if exponent != 0 { p = scalbn(p, Int32(exponent)) }
        return clip(p)
    }

    static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], _ m: Int) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    MatrixProduct.rowMajor(m: m, n: m, k: m, a: a.baseAddress!, lda: m, b: b.baseAddress!, ldb: m, c: c.baseAddress!, ldc: m)
                }
            }
        }
    }

    /// Pomeranz's recursion (1974): `Pr(D_n <= x)`, used for `n <= 140`.
    static func pomeranzCDF(_ n: Int, _ x: Double) -> Double {
        let nd = Double(n)
        let t = nd * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = Swift.min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0
        let roundf = f > 0.5 ? 1 : 0
        let powers = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powers)
        var twoGPower = [Double](repeating: 1, count: powers)
        var oneMinusTwoGPower = [Double](repeating: 1, count: powers)
        for p in 1..<powers {
            gPower[p] = gPower[p - 1] * (g / nd) / Double(p)
            twoGPower[p] = twoGPower[p - 1] * (2 * g / nd) / Double(p)
            oneMinusTwoGPower[p] = oneMinusTwoGPower[p - 1] * ((1 - 2 * g) / nd) / Double(p)
        }
        func bounds(_ i: Int) -> (Int, Int) {
            var j1: Int
            var j2: Int
            if i == 0 {
                (j1, j2) = (-ll - ceilf - 1, ll + ceilf - 1)
            } else {
                let (half, odd) = ((i + 1) / 2, (i + 1) % 2)
                if odd == 0 {
                    if half == n + 1 {
                        (j1, j2) = (n - ll - ceilf - 1, n + ll + ceilf - 1)
                    } else {
                        (j1, j2) = (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
                    }
                } else {
                    (j1, j2) = (half - 1 - ll - 1, half + ll + roundf - 1)
                }
            }
            return (Swift.max(j1 + 2, 0), Swift.min(j2, n))
        }
        var v0 = [Double](repeating: 0, count: powers)
        var v1 = [Double](repeating: 0, count: powers)
        v1[0] = 1
        var v0Start = 0
        var v1Start = 0
        var exponent = 0
        var (j1, j2) = bounds(0)
        for i in 1...(2 * n + 1) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0Start, &v1Start)
            for index in v1.indices { v1[index] = 0 }
            (j1, j2) = bounds(i)
            let weights = (i == 1 || i == 2 * n + 1) ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let length = j2 - k1 + 1
            if length > 0 {
                let start = j1 - k1
                let count = j2 - j1 + 1
                // conv = convolve(V0[k1 - V0s ..< k1 - V0s + length], weights[..<length])
                for out in 0..<Swift.max(count, 0) {
                    let position = start + out
                    var total = 0.0
                    let lowest = Swift.max(0, position - (length - 1))
                    let highest = Swift.min(position, length - 1)
                    if lowest <= highest {
                        for a in lowest...highest {
                            let index = k1 - v0Start + a
                            if index >= 0 && index < v0.count { total += v0[index] * weights[position - a] }
                        }
                    }
                    v1[out] = total
                }
                let largest = v1.max() ?? 0
                if largest > 0 && largest < 0x1p-128 {
                    for index in v1.indices { v1[index] *= 0x1p128 }
                    exponent -= 128
                }
                v1Start = v0Start + j1 - k1
            }
        }
        var answer = v1[n - v1Start]
        for multiplier in 1...n {
            if abs(answer) > 0x1p128 {
                answer *= 0x1p-128
                exponent += 128
            }
            answer *= Double(multiplier)
        }
        if exponent != 0 { answer = scalbn(answer, Int32(exponent)) }
        return clip(answer)
    }

    /// Pelz-Good's asymptotic series (1976): `Pr(D_n <= x)`.
    static func pelzGoodCDF(_ n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let nd = Double(n)
        let z = nd.squareRoot() * x
        let z2 = z * z
        let z3 = z2 * z
        let z4 = z2 * z2
        let z6 = z4 * z2
        let pi2 = Double.pi * Double.pi
        let pi4 = pi2 * pi2
        let pi6 = pi4 * pi2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = exp(qlog)
        let k1a = -z2
        let k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4
        var k = [0.0, 0.0, 0.0, 0.0]
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        if maxk >= 1 {
            for kk in stride(from: maxk, through: 1, by: -1) {
                let m = Double(2 * kk - 1)
                let m2 = m * m
                let m4 = m2 * m2
                let m6 = m4 * m2
                let qPower = pow(q, Double(8 * kk))
                let coefficients = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
                for i in 0..<4 { k[i] = k[i] * qPower + coefficients[i] }
            }
        }
        let sqrt2pi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * z4, 72 * z4 * z3, 6480 * z4 * z6]
        for i in 0..<4 { k[i] = k[i] * q * sqrt2pi / divisors[i] }
        q = exp(-pi2 / 2 / z2)
        var k2extra = 0.0
        var k3extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        if maxk >= 1 {
            for kk in stride(from: maxk, through: 1, by: -1) {
                let ks = Double(kk)
                let ks2 = ks * ks
                let qp = pow(q, ks2)
                k2extra += ks2 * qp
                let kspi = Double.pi * ks
                k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp
            }
        }
        k[2] += k2extra * pi2 * sqrt2pi / (-36 * z3)
        k[3] += k3extra * pi2 * sqrt2pi / (216 * z6)
        var total = 0.0
        for i in 0..<4 { total += k[i] / pow(nd, Double(i) / 2) }
        return total
    }
}
