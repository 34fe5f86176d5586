/// How the configuration says a field is to be read, over what was inferred from the
/// reference records.
public enum DeclaredKind: String, Sendable, Hashable, Codable, CaseIterable {
    case numeric
    case categorical
    /// A categorical feature with the categories "true" and "false"; 1/0 and "True"/"FALSE"
    /// read as those, any other value is a type mismatch. Tested with the two-proportion test.
    case boolean
    /// An array of numbers of the length the reference records have (an embedding).
    case vector
    /// Skipped: not monitored, and not an unknown field either.
    case ignored

    /// The kind a feature declared so is monitored as; nil for ignored.
    public var featureKind: Feature.Kind? {
        switch self {
        case .numeric: .numeric
        case .categorical, .boolean: .categorical
        case .vector: .vector
        case .ignored: nil
        }
    }
}
