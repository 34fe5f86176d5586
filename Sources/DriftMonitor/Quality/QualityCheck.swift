/// A data-quality measure of a window, which the policy can set a limit on.
public enum QualityCheck: String, Sendable, Hashable, CaseIterable, Codable {
    // Per feature.
    /// Records without a usable value: absent, null, of the wrong type or non-finite.
    case missingRatio = "missing_ratio"
    /// Values that were NaN or infinite.
    case nonFiniteRatio = "non_finite_ratio"
    /// Values of the wrong type (a string for a numeric feature).
    case typeMismatchRatio = "type_mismatch_ratio"
    /// Numeric values outside the reference's [min, max].
    case outOfRangeRatio = "out_of_range_ratio"
    /// Categorical values the reference never saw.
    case newCategoryRatio = "new_category_ratio"
    /// Numeric values equal to the value before them: a stuck input.
    case repeatedRatio = "repeated_ratio"
    /// 1 when every value of the window is the same while the reference's are not.
    case constant

    // Per model.
    /// Records whose request id was already seen among the model's recent ones.
    case duplicateRatio = "duplicate_ratio"
    /// Records carrying a field outside the schema (neither a feature nor ignored).
    case unknownFieldRatio = "unknown_field_ratio"
    /// Features of the schema with no value at all in the window.
    case absentFeatures = "absent_features"
    /// Seconds between the window's newest event time and its close.
    case eventAgeSeconds = "event_age_seconds"

    /// Whether the measure is a share of records or values (within 0...1).
    public var isShare: Bool {
        switch self {
        case .missingRatio, .nonFiniteRatio, .typeMismatchRatio, .outOfRangeRatio, .newCategoryRatio, .repeatedRatio,
            .duplicateRatio, .unknownFieldRatio:
            true
        case .constant, .absentFeatures, .eventAgeSeconds: false
        }
    }
}

/// A quality measure above its limit in a closed window.
public struct QualityBreach: Sendable, Hashable {
    public var check: QualityCheck
    /// The feature, for per-feature checks.
    public var feature: String?
    public var value: Double
    public var limit: Double
}
