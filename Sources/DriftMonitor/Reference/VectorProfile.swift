import DriftKernels

/// The reference of a vector feature: its mean embedding under random Fourier features of
/// a Gaussian kernel, its mean, the null quantiles that set the alarm thresholds, and a PCA
/// reconstruction baseline. O(d·k + D) numbers, whatever the reference rows; the d × D map
/// itself is drawn again from ``seed`` when a monitor starts.
public struct VectorProfile: Sendable, Codable, Hashable {
    public var dimension: Int
    /// D, the random features.
    public var randomFeatures: Int
    public var seed: UInt64
    /// σ of the Gaussian kernel, by the median heuristic on the reference.
    public var bandwidth: Double
    public var embedding: MeanEmbedding
    public var mean: VectorMean
    /// Null quantiles for the warning and the drift level (``warnRate``, ``driftRate``); nil
    /// when the reference is too small to cut into chunks.
    public var quantiles: DiscrepancyThreshold.ScaledQuantiles?
    /// PCA reconstruction error over the vector's coordinates.
    public var reconstruction: ReconstructionDrift?
    /// Reference rows on the first two principal axes, for the status page.
    public var projection: [Double]

    /// The chance a window drawn like the reference reaches the warning and the drift level.
    public static let warnRate = 0.05
    public static let driftRate = 0.005
    /// Rows the reference needs for thresholds: 16 blocks of at least 8 rows.
    public static let calibrationRows = 128
    static let blocks = 64
    static let projectedRows = 200

    /// The map the reference was embedded with; monitors and members must use the same.
    public var randomFourierFeatures: RandomFourierFeatures {
        RandomFourierFeatures(dimension: dimension, features: randomFeatures, bandwidth: bandwidth, seed: seed)
    }

    /// MMD² thresholds (warning, drift) for a window of `rows` rows.
    public func discrepancyThresholds(windowRows rows: Int) -> (warn: Double, drift: Double)? {
        guard let quantiles, quantiles.discrepancy.count == 2 else { return nil }
        let scale = DiscrepancyThreshold.ScaledQuantiles.scale(windowRows: rows, referenceRows: embedding.count)
        return (quantiles.discrepancy[0] * scale, quantiles.discrepancy[1] * scale)
    }

    /// The Euclidean distance between means a window of `rows` rows exceeds at the drift rate.
    public func meanDistanceThreshold(windowRows rows: Int) -> Double? {
        guard let quantiles, quantiles.meanDistance.count == 2 else { return nil }
        return (quantiles.meanDistance[1] * DiscrepancyThreshold.ScaledQuantiles.scale(windowRows: rows, referenceRows: mean.count)).squareRoot()
    }
}

extension VectorProfile {
    /// Profiles `rows` (row-major, `dimension` values each); nil without two rows.
    /// - Parameter seed: the random features' draw; two vector features of one model get different ones.
    init?(rows: [Double], dimension: Int, randomFeatures: Int = 1_024, seed: UInt64) {
        let count = rows.count / dimension
        guard count >= 2 else { return nil }
        self.dimension = dimension
        self.randomFeatures = randomFeatures
        self.seed = seed
        bandwidth = rows.withUnsafeBufferPointer { KernelBandwidth.median(rows: $0, dimension: dimension) } ?? 1
        let map = RandomFourierFeatures(dimension: dimension, features: randomFeatures, bandwidth: bandwidth, seed: seed)
        let blockCount = min(Self.blocks, count / 8)
        var means: [VectorMean] = []
        let blocks = rows.withUnsafeBufferPointer { all in
            let blocks = map.embeddings(of: all, blocks: max(blockCount, 1))
            for block in 0..<blocks.count {
                let range = (block * count / blocks.count)..<((block + 1) * count / blocks.count)
                var mean = VectorMean(dimension: dimension)
                mean.add(rows: UnsafeBufferPointer(rebasing: all[(range.lowerBound * dimension)..<(range.upperBound * dimension)]))
                means.append(mean)
            }
            return blocks
        }
        let threshold = DiscrepancyThreshold(blocks: blocks)
        embedding = threshold.whole
        var mean = VectorMean(dimension: dimension)
        for block in means { mean.merge(block) }
        self.mean = mean
        // Chunks of an eighth of the reference, each against the other seven eighths.
        quantiles =
            count >= Self.calibrationRows
            ? threshold.scaledQuantiles(means: means, chunkBlocks: blocks.count / 8, rates: [Self.warnRate, Self.driftRate], seed: seed)
            : nil
        var matrix = ColumnMatrix(rows: 0, columns: dimension)
        rows.withUnsafeBufferPointer { matrix.load(rowMajor: $0) }
        reconstruction = count >= 200 ? try? ReconstructionDrift(standardisingInPlace: &matrix) : nil
        projection = reconstruction.map { Self.project(matrix, on: $0.basis, rows: Self.projectedRows, standardised: true) } ?? []
    }

    /// The first `rows` rows on the basis's first two axes, x and y alternating; `matrix`
    /// holds raw values, or values already standardised by the basis.
    static func project(_ matrix: ColumnMatrix, on basis: PrincipalComponents, rows: Int, standardised: Bool = false) -> [Double] {
        guard basis.componentCount >= 2, matrix.columns == basis.dimension else { return [] }
        let d = basis.dimension
        var points: [Double] = []
        for row in 0..<min(rows, matrix.rows) {
            var (x, y) = (0.0, 0.0)
            for k in 0..<d {
                let value = standardised ? matrix[row, k] : (matrix[row, k] - basis.means[k]) / basis.scales[k]
                x += value * basis.components[k]
                y += value * basis.components[d + k]
            }
            points.append(x)
            points.append(y)
        }
        return points
    }
}

extension VectorProfile {
    /// The profile of a vector the reference never had: no window is judged against it.
    init(empty dimension: Int, seed: UInt64) {
        self.dimension = dimension
        randomFeatures = 8
        self.seed = seed
        bandwidth = 1
        embedding = MeanEmbedding(features: 8)
        mean = VectorMean(dimension: dimension)
        quantiles = nil
        reconstruction = nil
        projection = []
    }
}

extension VectorProfile {
    /// A mean vector on the basis's first two axes.
    static func project(mean: [Double], on basis: PrincipalComponents) -> [Double] {
        guard basis.componentCount >= 2, mean.count == basis.dimension else { return [] }
        var matrix = ColumnMatrix(rows: 1, columns: mean.count)
        for (k, value) in mean.enumerated() { matrix[0, k] = value }
        return project(matrix, on: basis, rows: 1)
    }

    /// Whether a profile read from a file can be used: its shapes agree, its numbers are
    /// finite, and the map fits in memory (a profile is an input like any other).
    var isUsable: Bool {
        // The d × D map is drawn at start: at most 2^24 doubles (128 MiB; 6 MiB at 768 × 1,024).
        guard (1...Feature.maximumDimension).contains(dimension), randomFeatures > 0, randomFeatures % 8 == 0, randomFeatures <= 16_384,
            dimension * randomFeatures <= 1 << 24, bandwidth > 0, bandwidth.isFinite, embedding.features == randomFeatures, embedding.count >= 0, mean.dimension == dimension,
            mean.count >= 0, embedding.sums.allSatisfy(\.isFinite), mean.sums.allSatisfy(\.isFinite), projection.count % 2 == 0,
            projection.allSatisfy(\.isFinite)
        else { return false }
        if let quantiles, quantiles.discrepancy.count != 2 || !(quantiles.meanDistance.isEmpty || quantiles.meanDistance.count == 2) {
            return false
        }
        if let basis = reconstruction?.basis {
            let k = basis.componentCount
            guard basis.dimension == dimension, basis.scales.count == dimension, k >= 1, k < dimension,
                basis.components.count == dimension * k, basis.components.allSatisfy(\.isFinite), basis.means.allSatisfy(\.isFinite),
                basis.scales.allSatisfy({ $0.isFinite && $0 > 0 })
            else { return false }
        }
        return true
    }
}
