/// A model input the monitor watches.
public struct Feature: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Real-valued; tested with PSI, KS, Wasserstein and Jensen-Shannon on reference bins.
        case numeric
        /// A label from a finite set; tested with chi-square, PSI and Jensen-Shannon on frequencies.
        case categorical
        /// A fixed-length array of reals (an embedding): tested as one feature with the maximum
        /// mean discrepancy, the distance between means and the PCA reconstruction error.
        case vector
    }

    public var name: String
    public var kind: Kind
    /// A vector feature's length, fixed by the reference; nil for the other kinds.
    public var dimension: Int?

    public init(name: String, kind: Kind, dimension: Int? = nil) {
        self.name = name
        self.kind = kind
        self.dimension = kind == .vector ? dimension : nil
    }

    /// The longest vector read: a d × D random-feature map is 8·d·D bytes.
    public static let maximumDimension = 8_192
}
