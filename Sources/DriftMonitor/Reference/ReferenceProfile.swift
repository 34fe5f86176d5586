import DriftKernels

/// What a model's inputs looked like when it was trained or validated: the baseline every
/// window is tested against. Built once (``ReferenceProfile/init(model:features:batch:dictionaries:bins:fineBins:)``),
/// saved as JSON, and far smaller than the data: O(features x bins).
public struct ReferenceProfile: Sendable, Codable, Hashable {
    public static let currentFormat = 1

    /// The artifact's format, for readers to refuse what they do not know.
    public var format: Int
    /// A content hash of the profile unless the user names a version.
    public var version: String
    public var model: String?
    /// Records the profile was built from.
    public var rows: Int
    public var features: [FeatureProfile]
    /// PCA reconstruction-error baseline over the numeric features, in profile order; nil
    /// with fewer than two numeric features or too few rows.
    public var multivariate: ReconstructionDrift?
    /// Why there is no ``multivariate`` baseline although the reference has the numeric
    /// features and rows for one (the fit failed), for `profile` and `compare` to say.
    public var multivariateSkipped: String?
    /// The registered model version whose run holds this reference, when it came from a
    /// model registry (not part of the profile's ``version``).
    public var modelVersion: RegisteredModelVersion?

    public var schema: [Feature] { features.map { Feature(name: $0.name, kind: $0.kind, dimension: $0.vector?.dimension) } }

    public func feature(named name: String) -> FeatureProfile? { features.first { $0.name == name } }
}

/// The reference of one feature.
public struct FeatureProfile: Sendable, Codable, Hashable {
    public var name: String
    public var kind: Feature.Kind
    /// Records without a usable value.
    public var missing: Int

    // Numeric features.
    /// PSI and Jensen-Shannon bins: interior edges at the reference deciles (by default).
    public var psiEdges: [Double]?
    /// Fine bins for KS, Wasserstein and quantiles: reference quantiles merged with ``psiEdges``.
    public var edges: [Double]?
    /// Reference counts and sums over ``edges``.
    public var histogram: Histogram?
    public var moments: Moments?

    // Categorical features.
    public var categories: [String]?
    public var categoryCounts: [Int]?

    // Vector features.
    public var vector: VectorProfile?
}

extension FeatureProfile {
    enum CodingKeys: String, CodingKey {
        case name, kind, missing, psiEdges, edges, histogram, moments, categories, categoryCounts, vector
    }

    /// The arrays are decoded to their exact length: a monitor keeps them as long as it runs.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(Feature.Kind.self, forKey: .kind)
        missing = try container.decode(Int.self, forKey: .missing)
        psiEdges = try container.decodeArrayIfPresent(of: Double.self, forKey: .psiEdges)
        edges = try container.decodeArrayIfPresent(of: Double.self, forKey: .edges)
        histogram = try container.decodeIfPresent(Histogram.self, forKey: .histogram)
        moments = try container.decodeIfPresent(Moments.self, forKey: .moments)
        categories = try container.decodeArrayIfPresent(of: String.self, forKey: .categories)
        categoryCounts = try container.decodeArrayIfPresent(of: Int.self, forKey: .categoryCounts)
        vector = try container.decodeIfPresent(VectorProfile.self, forKey: .vector)
    }
}
