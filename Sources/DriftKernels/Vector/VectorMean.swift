/// The coordinate sums of a set of d-dimensional vectors: the distance between two sets'
/// means, Euclidean and cosine. Sums, so that batches and members merge by addition.
public struct VectorMean: Sendable, Hashable, Codable {
    public private(set) var sums: [Double]
    public private(set) var count = 0

    public init(dimension: Int) {
        sums = [Double](repeating: 0, count: dimension)
    }

    public var dimension: Int { sums.count }
    public var mean: [Double] { count > 0 ? sums.map { $0 / Double(count) } : sums }

    /// Adds `rows` (row-major, `dimension` values per row).
    public mutating func add(rows: UnsafeBufferPointer<Double>) {
        precondition(rows.count % dimension == 0, "rows of \(dimension) values")
        let d = dimension
        sums.withUnsafeMutableBufferPointer { sums in
            var start = 0
            while start < rows.count {
                for k in 0..<d { sums[k] += rows[start + k] }
                start += d
            }
        }
        count += rows.count / d
    }

    public mutating func merge(_ other: VectorMean) {
        precondition(other.dimension == dimension, "means of different dimensions do not merge")
        for k in sums.indices { sums[k] += other.sums[k] }
        count += other.count
    }

    /// ‖mean(X) − mean(Y)‖; NaN when a set is empty.
    public func euclideanDistance(to other: VectorMean) -> Double {
        guard count > 0, other.count > 0 else { return .nan }
        let (a, b) = (mean, other.mean)
        var total = 0.0
        for k in a.indices { total += (a[k] - b[k]) * (a[k] - b[k]) }
        return total.squareRoot()
    }

    /// 1 − cos(mean(X), mean(Y)); NaN when a set is empty or a mean is the zero vector.
    public func cosineDistance(to other: VectorMean) -> Double {
        guard count > 0, other.count > 0 else { return .nan }
        var (dot, aa, bb) = (0.0, 0.0, 0.0)
        for k in sums.indices {
            dot += sums[k] * other.sums[k]
            aa += sums[k] * sums[k]
            bb += other.sums[k] * other.sums[k]
        }
        guard aa > 0, bb > 0 else { return .nan }
        return 1 - dot / (aa.squareRoot() * bb.squareRoot())
    }
}
