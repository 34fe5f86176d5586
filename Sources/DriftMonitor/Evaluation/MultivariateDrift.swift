import DriftKernels

/// The verdict on a window's joint distribution of numeric features.
public struct MultivariateDrift: Sendable, Hashable {
    /// Mean distance between a row and its reconstruction from the reference's principal axes.
    public var reconstructionError: Double
    /// The reference band for a window of this size.
    public var lowerThreshold: Double
    public var upperThreshold: Double
    public var components: Int
    public var drifted: Bool

    init(_ errors: PrincipalComponents.ErrorSum, baseline: ReconstructionDrift) {
        let band = baseline.band(rows: errors.rows)
        reconstructionError = errors.mean
        lowerThreshold = band.lowerBound
        upperThreshold = band.upperBound
        components = baseline.basis.componentCount
        drifted = baseline.isDrifted(errors)
    }
}
