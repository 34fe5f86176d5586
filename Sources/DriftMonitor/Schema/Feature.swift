/// A model input the monitor watches.
public struct Feature: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Real-valued; tested with PSI, KS, Wasserstein and Jensen-Shannon on reference bins.
        case numeric
        /// A label from a finite set; tested with chi-square, PSI and Jensen-Shannon on frequencies.
        case categorical
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
