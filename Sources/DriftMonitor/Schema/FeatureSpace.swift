/// Every feature any monitored model declares, each with a slot in a ``DecodedRow``.
///
/// Decoders look features up here by name; monitors pick their own features out of the
/// row by slot. Categorical values are dictionary-encoded per feature.
public struct FeatureSpace: Sendable {
    public private(set) var features: [Feature] = []
    private var slotByName: [String: Int] = [:]
    /// For each feature, its index among the numeric or among the categorical features.
    public private(set) var kindIndex: [Int] = []
    public private(set) var numericCount = 0
    public private(set) var categoricalCount = 0
    /// One dictionary per categorical feature.
    public var dictionaries: [CategoryDictionary] = []

    public init() {}

    /// Adds features (once per name). Throws if a name is declared with two kinds.
    public mutating func declare(_ declared: [Feature]) throws(SchemaError) {
        for feature in declared {
            if let slot = slotByName[feature.name] {
                if features[slot].kind != feature.kind {
                    throw SchemaError.conflictingKinds(feature: feature.name, features[slot].kind, feature.kind)
                }
                continue
            }
            slotByName[feature.name] = features.count
            features.append(feature)
            switch feature.kind {
            case .numeric:
                kindIndex.append(numericCount)
                numericCount += 1
            case .categorical:
                kindIndex.append(categoricalCount)
                categoricalCount += 1
                dictionaries.append(CategoryDictionary())
            }
        }
    }

    public func slot(of name: String) -> Int? { slotByName[name] }
}

/// A schema that cannot be used as declared.
public enum SchemaError: Error, Hashable, CustomStringConvertible {
    case conflictingKinds(feature: String, Feature.Kind, Feature.Kind)
    case unknownFeature(String)
    case empty(model: String)

    public var description: String {
        switch self {
        case .conflictingKinds(let feature, let first, let second):
            "feature '\(feature)' is declared both \(first.rawValue) and \(second.rawValue)"
        case .unknownFeature(let name): "feature '\(name)' is not in the schema"
        case .empty(let model): "model '\(model)' has no feature to monitor"
        }
    }
}
