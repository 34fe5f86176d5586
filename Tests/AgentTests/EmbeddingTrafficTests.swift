import Agent
import DriftMonitor
import Testing
import TestSupport

/// The demo's embedding model: the shift it makes is one the vector test exists for.
@Suite("Demo embedding traffic")
struct EmbeddingTrafficTests {
    /// `rows` embeddings as a batch holding the vector and, beside it, each coordinate as a numeric feature.
    static func batch(rows: Int, seed: UInt64, shiftAfter: Int) -> RecordBatch {
        let d = EmbeddingTraffic.dimension
        var traffic = EmbeddingTraffic(seed: seed, shiftAfter: shiftAfter)
        var space = FeatureSpace()
        try! space.declare(features)  // valid by construction
        var row = DecodedRow(space: space)
        var batch = RecordBatch(numericColumns: d, categoricalColumns: 0, vectorDimensions: [d], capacity: rows)
        for _ in 0..<rows {
            let vector = traffic.nextVector()
            for k in 0..<d {
                row.numeric[k] = vector[k]
                row.appendVectorValue(vector[k], index: 0)
            }
            batch.append(row, numericSources: Array(0..<d), categoricalSources: [], vectorSources: [0])
            row.reset()
        }
        return batch
    }

    static let features =
        (0..<EmbeddingTraffic.dimension).map { Feature(name: "e\($0)", kind: .numeric) }
        + [Feature(name: EmbeddingTraffic.feature, kind: .vector, dimension: EmbeddingTraffic.dimension)]

    @Test("A window of the shifted topic mix: the vector drifts, while no coordinate's PSI reaches the drift threshold and none is flagged; a clean window flags nothing")
    func shiftSeenOnlyAsAVector() async throws {
        // 384 numeric features profiled in a debug build: off the cooperative pool.
        try await withTaskExecutorPreference(ThreadExecutor.blocking) { try Self.compareCoordinatesAndVector() }
    }

    static func compareCoordinatesAndVector() throws {
        let reference = Self.batch(rows: 3_000, seed: 99, shiftAfter: .max)
        for (shifted, seed) in [(true, UInt64(5)), (false, UInt64(6))] {
            let window = Self.batch(rows: 500, seed: seed, shiftAfter: shifted ? 0 : .max)
            let comparison = try Comparison(
                features: Self.features, reference: reference, referenceDictionaries: [], current: window, currentDictionaries: [],
                policy: DriftPolicy())
            let coordinates = comparison.report.features.filter { $0.kind == .numeric }
            let vector = try #require(comparison.report.features.first { $0.kind == .vector })
            let largest = coordinates.compactMap { $0.score(.psi)?.value }.max() ?? .nan
            #expect(coordinates.count == EmbeddingTraffic.dimension)
            #expect(largest < DriftPolicy().driftThreshold, "shifted \(shifted): a coordinate's PSI is \(largest)")
            #expect(coordinates.allSatisfy { !$0.drifted }, "shifted \(shifted): \(coordinates.filter(\.drifted).map(\.name))")
            #expect(vector.drifted == shifted, "shifted \(shifted): MMD² \(vector.score(.mmd)?.value ?? .nan) against \(vector.driftThreshold)")
        }
    }
}
