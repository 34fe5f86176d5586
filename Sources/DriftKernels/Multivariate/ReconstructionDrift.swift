/// Multivariate drift by PCA reconstruction error (the method NannyML popularised): fit the
/// reference's principal axes, then a window whose rows are reconstructed markedly worse (or
/// better) than reference rows has left the reference's correlation structure, even when
/// every feature's marginal distribution is unchanged.
///
/// The alarm band is calibrated on the reference itself: its rows are cut into chunks, and
/// the band is the chunks' mean error +- 3 standard deviations. Each chunk is scored with
/// axes fitted on the other chunks (the Gram matrix minus the chunk's own), because rows
/// the axes were fitted on reconstruct better than new rows and would make the band too low.
/// The standard deviation of a chunk mean shrinks as `1/sqrt(rows)`, so for a window of
/// another size the band is rescaled by `sqrt(chunkRows / windowRows)`.
public struct ReconstructionDrift: Sendable, Hashable, Codable {
    public var basis: PrincipalComponents
    /// Mean and standard deviation (`ddof = 0`) of the reference chunks' mean errors.
    public var referenceMean: Double
    public var referenceDeviation: Double
    public var chunkRows: Int
    public var chunks: Int

    /// - Parameter chunks: reference chunks to calibrate on (at least 2).
    public init(reference: ColumnMatrix, chunks: Int = 10, varianceShare: Double = 0.65) throws(PrincipalComponents.FitError) {
        var standardised = reference
        try self.init(standardisingInPlace: &standardised, chunks: chunks, varianceShare: varianceShare)
    }

    /// The fit of ``init(reference:chunks:varianceShare:)`` on `reference`, which is left
    /// standardised: the fit and every chunk work on it in place, without a copy.
    package init(standardisingInPlace reference: inout ColumnMatrix, chunks: Int = 10, varianceShare: Double = 0.65) throws(
        PrincipalComponents.FitError
    ) {
        let total: [Double]
        (basis, total) = try PrincipalComponents.fit(standardisingInPlace: &reference, varianceShare: varianceShare)
        let count = Swift.max(2, Swift.min(chunks, reference.rows / 4))
        let size = reference.rows / count
        var means: [Double] = []
        for chunk in 0..<count {
            let rows = (chunk * size)..<((chunk + 1) * size)
            let own = PrincipalComponents.gram(of: reference, rows: rows)
            let others = zip(total, own).map { ($0 - $1) / Double(reference.rows - size - 1) }
            var axes = basis
            try axes.setAxes(covariance: others, varianceShare: varianceShare)
            means.append(axes.meanError(ofStandardised: reference, rows: rows))
        }
        let mean = means.reduce(0, +) / Double(count)
        referenceMean = mean
        referenceDeviation = (means.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
        guard referenceMean.isFinite, referenceDeviation.isFinite else { throw .notFinite }
        chunkRows = size
        self.chunks = count
    }

    /// The alarm band for a window of `rows` rows.
    public func band(rows: Int) -> ClosedRange<Double> {
        let spread = 3 * referenceDeviation * (Double(chunkRows) / Double(Swift.max(rows, 1))).squareRoot()
        let lower = referenceMean - spread
        let upper = referenceMean + spread
        // A band that is not a number (a profile from elsewhere) flags nothing rather than trapping.
        guard lower <= upper else { return -Double.infinity...Double.infinity }
        return lower...upper
    }

    /// True when the window's mean reconstruction error lies outside the band.
    public func isDrifted(_ errors: PrincipalComponents.ErrorSum) -> Bool {
        guard errors.rows > 0 else { return false }
        return !band(rows: errors.rows).contains(errors.mean)
    }
}
