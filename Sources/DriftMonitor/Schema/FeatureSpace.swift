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
    /// Per slot: a categorical feature whose only categories are "true" and "false", so that
    /// decoders read 1 and 0, and "True" or "FALSE", as those two.
    public private(set) var isBoolean: [Bool] = []

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
            isBoolean.append(false)
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

    /// Makes a declared categorical feature boolean.
    public mutating func markBoolean(_ name: String) throws(SchemaError) {
        guard let slot = slotByName[name] else { throw .unknownFeature(name) }
        guard features[slot].kind == .categorical else {
            throw .conflictingKinds(feature: name, features[slot].kind, .categorical)
        }
        isBoolean[slot] = true
    }
}

/// A schema that cannot be used as declared.
public enum SchemaError: Error, Hashable, CustomStringConvertible {
    case conflictingKinds(feature: String, Feature.Kind, Feature.Kind)
    case unknownFeature(String)
    case empty(model: String)
    /// The configuration declares a kind the reference did not profile the feature as.
    case declaredKind(feature: String, declared: DeclaredKind, profiled: Feature.Kind)
    /// The configuration declares a feature the reference has no profile of.
    case notInReference(String)
    /// Declared boolean, but the reference has other categories than "true" and "false".
    case notBoolean(feature: String, categories: [String])
    /// A `NAME=KIND` declaration that does not parse.
    case badDeclaration(String)

    public var description: String {
        switch self {
        case .conflictingKinds(let feature, let first, let second):
            "feature '\(feature)' is declared both \(first.rawValue) and \(second.rawValue)"
        case .unknownFeature(let name): "feature '\(name)' is not in the schema"
        case .empty(let model): "model '\(model)' has no feature to monitor"
        case .declaredKind(let feature, let declared, let profiled):
            "feature '\(feature)' is declared \(declared.rawValue) but the reference profiles it \(profiled.rawValue): "
                + "profile the reference records again with the declared schema"
        case .notInReference(let feature): "feature '\(feature)' is declared but the reference has no profile of it"
        case .badDeclaration(let text):
            "'\(text)' is not NAME=KIND with KIND one of \(DeclaredKind.allCases.map(\.rawValue).joined(separator: ", "))"
        case .notBoolean(let feature, let categories):
            "feature '\(feature)' is declared boolean but the reference has the categories \(categories.map { "'\($0)'" }.joined(separator: ", "))"
        }
    }
}
