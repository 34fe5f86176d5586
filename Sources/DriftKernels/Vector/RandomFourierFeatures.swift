#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random Fourier features of the Gaussian kernel k(x, y) = exp(−‖x − y‖² / (2σ²)) on
/// d-dimensional vectors (Rahimi and Recht, 2007): φ(x) = √(2/D) · cos(Ωᵀx + b), with the
/// columns of Ω drawn from N(0, σ⁻² I) and b from U[0, 2π), so that φ(x)·φ(y) estimates
/// k(x, y) with an error shrinking like 1/√D.
///
/// A batch of rows costs one `dgemm` (X Ω) and one vectorised cosine pass, and leaves only
/// the sums of a ``MeanEmbedding``: O(D) per set of vectors, O(d·D) for the map itself.
public struct RandomFourierFeatures: Sendable {
    public let dimension: Int
    public let features: Int
    public let bandwidth: Double
    /// Ω, d × D, row-major.
    public let frequencies: [Double]
    /// b, D.
    public let phases: [Double]
    /// Rows of a batch multiplied at once: the product's scratch is `blockRows` × D doubles.
    static let blockRows = 256

    /// - Parameters:
    ///   - features: D, a multiple of 8.
    ///   - seed: the draw of Ω and b: agents that merge summaries must use the same.
    public init(dimension: Int, features: Int = 1_024, bandwidth: Double, seed: UInt64) {
        precondition(dimension > 0 && features > 0 && features % 8 == 0, "d > 0 and D a positive multiple of 8")
        precondition(bandwidth > 0 && bandwidth.isFinite, "the bandwidth is a positive number")
        self.dimension = dimension
        self.features = features
        self.bandwidth = bandwidth
        var generator = SeededGenerator(seed: seed)
        frequencies = (0..<(dimension * features)).map { _ in generator.normal(standardDeviation: 1 / bandwidth) }
        phases = (0..<features).map { _ in Double.random(in: 0..<(2 * .pi), using: &generator) }
    }

    /// Adds the feature maps of `rows` (row-major, `dimension` values per row) to `embedding`.
    public func accumulate(rows: UnsafeBufferPointer<Double>, into embedding: inout MeanEmbedding, scratch: inout [Double]) {
        precondition(rows.count % dimension == 0, "rows of \(dimension) values")
        precondition(embedding.features == features, "an embedding of \(features) features")
        let n = rows.count / dimension
        let (d, D) = (dimension, features)
        if scratch.count < Self.blockRows * D { scratch = [Double](repeating: 0, count: Self.blockRows * D) }
        let scale = (2 / Double(D)).squareRoot()
        var squaredNorms = 0.0
        var first = 0
        while first < n {
            let block = min(Self.blockRows, n - first)
            scratch.withUnsafeMutableBufferPointer { z in
                frequencies.withUnsafeBufferPointer { omega in
                    MatrixProduct.rowMajor(
                        m: block, n: D, k: d, a: rows.baseAddress! + first * d, lda: d, b: omega.baseAddress!, ldb: D, c: z.baseAddress!,
                        ldc: D)
                }
                embedding.sums.withUnsafeMutableBufferPointer { sums in
                    squaredNorms += Self.addCosines(z, rows: block, phases: phases, scale: scale, into: sums)
                }
            }
            first += block
        }
        embedding.count += n
        embedding.squaredNormSum += squaredNorms
    }

    /// The embeddings of `rows` cut into `blocks` consecutive blocks of nearly equal size
    /// (for ``DiscrepancyThreshold``); fewer blocks when there are fewer rows.
    public func embeddings(of rows: UnsafeBufferPointer<Double>, blocks: Int) -> [MeanEmbedding] {
        let n = rows.count / dimension
        let count = max(1, min(blocks, n))
        var scratch: [Double] = []
        return (0..<count).map { block in
            let range = (block * n / count)..<((block + 1) * n / count)
            var embedding = MeanEmbedding(features: features)
            accumulate(rows: UnsafeBufferPointer(rebasing: rows[(range.lowerBound * dimension)..<(range.upperBound * dimension)]), into: &embedding, scratch: &scratch)
            return embedding
        }
    }

    /// Σ over `rows` rows of z of scale · cos(z + b), into `sums`; returns Σ ‖scale · cos(z + b)‖².
    private static func addCosines(
        _ z: UnsafeMutableBufferPointer<Double>, rows: Int, phases: [Double], scale: Double, into sums: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let D = sums.count
        var squares = SIMD8<Double>()
        phases.withUnsafeBufferPointer { b in
            let phase = UnsafeRawPointer(b.baseAddress!)
            let total = UnsafeMutableRawPointer(sums.baseAddress!)
            for row in 0..<rows {
                let values = UnsafeRawPointer(z.baseAddress! + row * D)
                for j in stride(from: 0, to: D, by: 8) {
                    let bytes = j * MemoryLayout<Double>.stride
                    let argument = values.loadUnaligned(fromByteOffset: bytes, as: SIMD8<Double>.self)
                        + phase.loadUnaligned(fromByteOffset: bytes, as: SIMD8<Double>.self)
                    let c = VectorCosine.cosine(argument)
                    squares += c * c
                    total.storeBytes(
                        of: total.loadUnaligned(fromByteOffset: bytes, as: SIMD8<Double>.self) + scale * c, toByteOffset: bytes,
                        as: SIMD8<Double>.self)
                }
            }
        }
        return squares.sum() * scale * scale
    }
}
