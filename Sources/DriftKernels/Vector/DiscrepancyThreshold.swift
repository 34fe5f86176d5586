/// The alarm threshold of the MMD test for windows of a given size, from the reference alone,
/// as the PCA band is: random chunks of the reference of about the window's size are each
/// compared with the rest of the reference, and the threshold is the `1 − falseFlagRate`
/// quantile of their unbiased MMD². A window drawn from the reference's distribution then
/// exceeds it with probability about `falseFlagRate`.
///
/// The reference is summarised once, as consecutive blocks of rows (``MeanEmbedding`` each), so
/// a chunk is a union of blocks and costs O(D) per block, not a pass over its rows.
public struct DiscrepancyThreshold: Sendable {
    public let blocks: [MeanEmbedding]
    public let whole: MeanEmbedding

    /// - Parameter blocks: the reference's rows in blocks of (nearly) equal size.
    public init(blocks: [MeanEmbedding]) {
        precondition(!blocks.isEmpty, "a reference of at least one block")
        self.blocks = blocks
        var whole = MeanEmbedding(features: blocks[0].features)
        for block in blocks { whole.merge(block) }
        self.whole = whole
    }

    /// The threshold for windows of `windowRows` rows; nil when the reference is not at least
    /// twice that (a chunk must leave a rest as large).
    public func threshold(windowRows: Int, falseFlagRate: Double = 0.01, draws: Int = 500, seed: UInt64 = 1) -> Double? {
        precondition(falseFlagRate > 0 && falseFlagRate < 1 && draws > 0, "a rate in (0, 1) and some draws")
        let blockRows = Double(whole.count) / Double(blocks.count)
        let perChunk = max(1, Int((Double(windowRows) / blockRows).rounded()))
        guard windowRows > 1, 2 * perChunk <= blocks.count else { return nil }
        var values: [Double] = []
        values.reserveCapacity(draws)
        drawChunks(of: perChunk, draws: draws, seed: seed) { chunk, _ in
            values.append(chunk.squaredDiscrepancy(to: whole.removing(chunk)))
        }
        values.sort()
        return Self.quantile(ofSorted: values, falseFlagRate: falseFlagRate)
    }

    /// Draws `draws` random sets of `blocks` blocks (the first of a partial Fisher-Yates
    /// shuffle each time) and hands each set's merged embedding and its block indices to `body`.
    func drawChunks(of blocks: Int, draws: Int, seed: UInt64, _ body: (MeanEmbedding, ArraySlice<Int>) -> Void) {
        var generator = SeededGenerator(seed: seed)
        var indexes = Array(self.blocks.indices)
        for _ in 0..<draws {
            var chunk = MeanEmbedding(features: whole.features)
            for i in 0..<blocks {
                indexes.swapAt(i, Int.random(in: i..<indexes.count, using: &generator))
                chunk.merge(self.blocks[indexes[i]])
            }
            body(chunk, indexes[0..<blocks])
        }
    }

    /// The value a draw exceeds with probability `falseFlagRate`: the ⌈(1 − rate)·n⌉-th of n sorted draws.
    static func quantile(ofSorted values: [Double], falseFlagRate: Double) -> Double {
        values[min(values.count, Int((Double(values.count) * (1 - falseFlagRate)).rounded(.up))) - 1]
    }
}
