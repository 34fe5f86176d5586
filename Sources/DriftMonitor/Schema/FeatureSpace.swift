/// Every feature any monitored model declares, each with a slot in a ``DecodedRow``.
///
/// Decoders look features up here by name; monitors pick their own features out of the
/// row by slot. Categorical values are dictionary-encoded per feature.
public struct FeatureSpace: Sendable {
    public private(set) var features: [Feature] = []
    private var slotByName: [String: Int] = [:]
    /// For each feature, its index among the numeric, the categorical or the vector features.
    public private(set) var kindIndex: [Int] = []
    public private(set) var numericCount = 0
    public private(set) var categoricalCount = 0
    /// Per vector feature, its length and where its values start in ``DecodedRow/vectors``.
    public private(set) var vectorDimensions: [Int] = []
    public private(set) var vectorOffsets: [Int] = []
    public var vectorCount: Int { vectorDimensions.count }
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
                if features[slot].dimension != feature.dimension {
                    throw SchemaError.conflictingDimensions(feature: feature.name, features[slot].dimension ?? 0, feature.dimension ?? 0)
                }
                continue
            }
            if feature.kind == .vector {
                guard let dimension = feature.dimension, (1...Feature.maximumDimension).contains(dimension) else {
                    throw SchemaError.badDimension(feature: feature.name, feature.dimension ?? 0)
                }
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
            case .vector:
                kindIndex.append(vectorDimensions.count)
                vectorOffsets.append((vectorOffsets.last ?? 0) + (vectorDimensions.last ?? 0))
                vectorDimensions.append(feature.dimension ?? 0)
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
    /// A vector feature declared with two lengths.
    case conflictingDimensions(feature: String, Int, Int)
    /// A vector feature without a length in 1...``Feature/maximumDimension``.
    case badDimension(feature: String, Int)
    /// A vector feature whose reference profile does not hold together (shapes that disagree,
    /// numbers that are not finite).
    case badVectorProfile(feature: String)
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
        case .conflictingDimensions(let feature, let first, let second):
            "vector feature '\(feature)' is declared with \(first) and with \(second) values"
        case .badDimension(let feature, let dimension):
            "vector feature '\(feature)' has \(dimension) values: a vector has 1 to \(Feature.maximumDimension)"
        case .badVectorProfile(let feature):
            "the reference's profile of vector feature '\(feature)' does not hold together: profile the reference records again"
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
