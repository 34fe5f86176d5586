extension DiscrepancyThreshold {
    /// Null quantiles that hold for any window size: each draw's statistic is divided by
    /// (1/m + 1/n), m and n the two sets' rows. Under the null hypothesis the unbiased MMD²
    /// and the squared distance between means both spread as (1/m + 1/n) (the MMD² as a
    /// degenerate U-statistic, Gretton et al. 2012, theorem 12), so the threshold for a window
    /// of m rows against a reference of n is `quantile × (1/m + 1/n)`.
    public struct ScaledQuantiles: Sendable, Hashable, Codable {
        /// The chance a window drawn like the reference exceeds each quantile.
        public var rates: [Double]
        /// Of the unbiased MMD², scaled.
        public var discrepancy: [Double]
        /// Of the squared Euclidean distance between the means, scaled; empty without means.
        public var meanDistance: [Double]
        /// Rows of the chunks drawn.
        public var chunkRows: Int

        /// Scaled back to a window of `windowRows` compared with `referenceRows`.
        public static func scale(windowRows: Int, referenceRows: Int) -> Double {
            1 / Double(max(windowRows, 1)) + 1 / Double(max(referenceRows, 1))
        }
    }

    /// Draws chunks of `chunkBlocks` blocks, each against the rest of the reference.
    /// - Parameters:
    ///   - means: the coordinate sums of the same blocks, for the distance between means (or empty).
    ///   - rates: false-flag rates in (0, 1), for each a quantile.
    /// - Returns: nil when there are not twice `chunkBlocks` blocks.
    public func scaledQuantiles(
        means: [VectorMean], chunkBlocks: Int, rates: [Double], draws: Int = 1_000, seed: UInt64 = 1
    ) -> ScaledQuantiles? {
        precondition(rates.allSatisfy { $0 > 0 && $0 < 1 } && draws > 0 && chunkBlocks > 0, "rates in (0, 1) and some draws")
        precondition(means.isEmpty || means.count == blocks.count, "a mean per block")
        guard 2 * chunkBlocks <= blocks.count else { return nil }
        var wholeMean = means.first.map { VectorMean(dimension: $0.dimension) }
        for mean in means { wholeMean?.merge(mean) }
        var discrepancies: [Double] = []
        var distances: [Double] = []
        var chunkRows = 0
        drawChunks(of: chunkBlocks, draws: draws, seed: seed) { chunk, chosen in
            let rest = whole.removing(chunk)
            let scale = ScaledQuantiles.scale(windowRows: chunk.count, referenceRows: rest.count)
            chunkRows += chunk.count
            discrepancies.append(chunk.squaredDiscrepancy(to: rest) / scale)
            if let wholeMean {
                var chunkMean = VectorMean(dimension: wholeMean.dimension)
                for block in chosen { chunkMean.merge(means[block]) }
                distances.append(chunkMean.squaredDistance(toRestOf: wholeMean) / scale)
            }
        }
        func quantiles(_ values: [Double]) -> [Double] {
            guard !values.isEmpty else { return [] }
            let sorted = values.sorted()
            return rates.map { Self.quantile(ofSorted: sorted, falseFlagRate: $0) }
        }
        return ScaledQuantiles(
            rates: rates, discrepancy: quantiles(discrepancies), meanDistance: quantiles(distances), chunkRows: chunkRows / draws)
    }
}

extension VectorMean {
    /// ‖mean(self) − mean(whole − self)‖², `self` a subset of `whole`; NaN when either is empty.
    func squaredDistance(toRestOf whole: VectorMean) -> Double {
        let restCount = whole.count - count
        guard count > 0, restCount > 0 else { return .nan }
        var total = 0.0
        for k in sums.indices {
            let difference = sums[k] / Double(count) - (whole.sums[k] - sums[k]) / Double(restCount)
            total += difference * difference
        }
        return total
    }
}
