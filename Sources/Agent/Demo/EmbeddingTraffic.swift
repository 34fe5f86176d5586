import DriftKernels
import DriftMonitor
import Ingest

/// The demo's embedding model: a sentence encoder's 384-dimensional unit vectors around 12
/// topic centres, logged as JSON arrays. After `shiftAfter` records three topics take half the
/// traffic: the distribution moves within the 12-dimensional subspace the centres span, by
/// about 0.2 standard deviations per coordinate, which the vector test catches and no
/// coordinate's PSI does. (Tests/Scripts/embedding_traffic.py draws the same kind of traffic
/// with numpy, for the KServe end-to-end test.)
public struct EmbeddingTraffic: Sendable {
    public static let model = "sentence-encoder"
    public static let feature = "embedding"
    public static let dimension = 384
    static let topics = 12
    /// The shifted mix: the first three topics a sixth each, the other nine the rest.
    static let shiftedWeights = [Double](repeating: 1.0 / 6, count: 3) + [Double](repeating: 0.5 / 9, count: 9)

    public var shiftAfter: Int
    private var generator: SeededGenerator
    private let centres: [Double]
    private var vector = [Double](repeating: 0, count: dimension)
    private var line: [UInt8] = []
    private(set) var produced = 0

    public init(seed: UInt64 = 17, shiftAfter: Int) {
        self.shiftAfter = shiftAfter
        var centreGenerator = SeededGenerator(seed: 7)
        var centres = (0..<(Self.topics * Self.dimension)).map { _ in centreGenerator.normal() }
        for topic in 0..<Self.topics {
            let range = (topic * Self.dimension)..<((topic + 1) * Self.dimension)
            let norm = centres[range].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in range { centres[k] /= norm }
        }
        self.centres = centres
        generator = SeededGenerator(seed: seed)
        line.reserveCapacity(Self.dimension * 11 + 64)
    }

    /// The next record's embedding (valid until the next call).
    public mutating func nextVector() -> [Double] {
        produced += 1
        let topic: Int
        if produced > shiftAfter {
            var u = Double.random(in: 0..<1, using: &generator)
            var chosen = Self.topics - 1
            for (index, weight) in Self.shiftedWeights.enumerated() {
                if u < weight {
                    chosen = index
                    break
                }
                u -= weight
            }
            topic = chosen
        } else {
            topic = Int.random(in: 0..<Self.topics, using: &generator)
        }
        let noise = 1 / Double(Self.dimension).squareRoot()
        var norm = 0.0
        for k in 0..<Self.dimension {
            vector[k] = centres[topic * Self.dimension + k] + generator.normal(standardDeviation: noise)
            norm += vector[k] * vector[k]
        }
        norm = norm.squareRoot()
        for k in 0..<Self.dimension { vector[k] /= norm }
        return vector
    }

    /// The next record as JSON bytes (valid until the next call).
    public mutating func next(timestampMilliseconds: Int64) -> [UInt8] {
        let values = nextVector()
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: "{\"model\":\"\(Self.model)\",\"timestamp\":\(timestampMilliseconds),\"features\":{\"\(Self.feature)\":[".utf8)
        for (k, value) in values.enumerated() {
            if k > 0 { line.append(UInt8(ascii: ",")) }
            Self.appendSixDecimals(value, to: &line)
        }
        line.append(contentsOf: "]}}".utf8)
        return line
    }

    /// Six decimals: coordinates of a unit vector in 384 dimensions are about 0.05.
    static func appendSixDecimals(_ value: Double, to line: inout [UInt8]) {
        var integer = Int64((value * 1_000_000).rounded())
        if integer < 0 {
            line.append(UInt8(ascii: "-"))
            integer = -integer
        }
        line.append(contentsOf: String(integer / 1_000_000).utf8)
        line.append(UInt8(ascii: "."))
        let fraction = String(integer % 1_000_000)
        line.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 6 - fraction.count))
        line.append(contentsOf: fraction.utf8)
    }

    /// A reference profile of `records` records of the unshifted traffic.
    public static func reference(records: Int, seed: UInt64 = 99) -> ReferenceProfile {
        var traffic = EmbeddingTraffic(seed: seed, shiftAfter: .max)
        let features = [Feature(name: feature, kind: .vector, dimension: dimension)]
        var space = FeatureSpace()
        try! space.declare(features)  // one vector feature of a valid dimension
        var decoder = RecordDecoder(space: space)
        var row = DecodedRow(space: space)
        var batch = RecordBatch(numericColumns: 0, categoricalColumns: 0, vectorDimensions: [dimension], capacity: records)
        for i in 0..<records {
            let bytes = traffic.next(timestampMilliseconds: Int64(i))
            try! bytes.withUnsafeBytes { try decoder.decode($0, into: &row) }  // generated records are valid JSON
            batch.append(row, numericSources: [], categoricalSources: [], vectorSources: [0])
        }
        return ReferenceProfile(model: model, features: features, batch: batch, dictionaries: [])
    }
}
