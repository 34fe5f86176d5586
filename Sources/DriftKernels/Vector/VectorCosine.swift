/// Cosine of eight doubles at a time, for the random Fourier features of a batch (millions of
/// cosines per window: libm's scalar `cos` would cost more than the `dgemm` before it).
///
/// Cody-Waite reduction by 2π to [-π, π], folded to [0, π/2], then the Taylor series to x²⁰,
/// whose remainder there is below 2e-17: the result is within 1e-15 of `cos` for |x| < 1e6.
package enum VectorCosine {
    /// 2π split: `twoPiHigh` has 32 significant bits, so `k * twoPiHigh` is exact for |k| < 2^21.
    static let twoPiHigh = 6.2831853069365025
    static let twoPiLow = 2.430840202602477e-10
    static let inverseTwoPi = 1 / (2 * Double.pi)
    /// (-1)^k / (2k)!, k = 0...10.
    static let c0 = 1.0
    static let c1 = -0.5
    static let c2 = 0.041666666666666664
    static let c3 = -0.001388888888888889
    static let c4 = 2.48015873015873e-05
    static let c5 = -2.755731922398589e-07
    static let c6 = 2.08767569878681e-09
    static let c7 = -1.1470745597729725e-11
    static let c8 = 4.779477332387385e-14
    static let c9 = -1.5619206968586225e-16
    static let c10 = 4.110317623312165e-19

    @inline(__always)
    package static func cosine(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let k = (x * inverseTwoPi).rounded(.toNearestOrEven)
        var r = x - k * twoPiHigh
        r -= k * twoPiLow
        r.replace(with: -r, where: r .< 0)
        let flip = r .> (Double.pi / 2)
        r.replace(with: Double.pi - r, where: flip)
        let z = r * r
        var p = SIMD8(repeating: c10)
        p = p * z + c9
        p = p * z + c8
        p = p * z + c7
        p = p * z + c6
        p = p * z + c5
        p = p * z + c4
        p = p * z + c3
        p = p * z + c2
        p = p * z + c1
        p = p * z + c0
        p.replace(with: -p, where: flip)
        return p
    }
}
