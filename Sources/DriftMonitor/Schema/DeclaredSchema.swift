/// Features with the kinds declared for them, for reading reference records.
public struct DeclaredSchema: Sendable, Hashable {
    public var kinds: [String: DeclaredKind]

    public init(_ kinds: [String: DeclaredKind] = [:]) {
        self.kinds = kinds
    }

    /// `NAME=KIND` declarations, as `profile --feature` and `compare --feature` take them.
    public init(declarations: [String]) throws(SchemaError) {
        kinds = [:]
        for declaration in declarations {
            let parts = declaration.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let kind = DeclaredKind(rawValue: parts[1]) else {
                throw .badDeclaration(declaration)
            }
            kinds[parts[0]] = kind
        }
    }

    public var ignored: [String] { kinds.filter { $0.value == .ignored }.map(\.key).sorted() }
    public var booleans: [String] { kinds.filter { $0.value == .boolean }.map(\.key).sorted() }

    /// Inferred features with the declared kinds put over them and ignored ones left out.
    /// A declared feature that was not inferred is added (the records may lack it at first).
    public func applied(to inferred: [Feature]) -> [Feature] {
        var features = inferred.compactMap { feature -> Feature? in
            guard let declared = kinds[feature.name] else { return feature }
            return declared.featureKind.map { Feature(name: feature.name, kind: $0, dimension: feature.dimension) }
        }
        let present = Set(inferred.map(\.name))
        for (name, declared) in kinds.sorted(by: { $0.key < $1.key }) where !present.contains(name) {
            if let kind = declared.featureKind { features.append(Feature(name: name, kind: kind)) }
        }
        return features
    }

    /// Checks a reference profile against the declarations, and leaves ignored features out
    /// of it. Booleans are the declared ones and the categorical features profiled with only
    /// "true" and "false".
    public func conform(_ profile: ReferenceProfile) throws(SchemaError) -> (profile: ReferenceProfile, booleans: [String]) {
        var conformed = profile
        var booleans: [String] = []
        for (name, declared) in kinds.sorted(by: { $0.key < $1.key }) where declared != .ignored {
            guard let feature = profile.feature(named: name) else { throw .notInReference(name) }
            if declared.featureKind != feature.kind {
                throw .declaredKind(feature: name, declared: declared, profiled: feature.kind)
            }
            if declared == .boolean {
                let others = (feature.categories ?? []).filter { $0 != "true" && $0 != "false" }
                guard others.isEmpty else { throw .notBoolean(feature: name, categories: Array(others.prefix(5))) }
            }
        }
        let ignored = Set(ignored)
        if profile.features.contains(where: { ignored.contains($0.name) && $0.kind == .numeric }) {
            // The PCA basis spans every numeric feature of the profile.
            conformed.multivariate = nil
        }
        conformed.features.removeAll { ignored.contains($0.name) }
        for feature in conformed.features where feature.kind == .categorical {
            let categories = feature.categories ?? []
            if kinds[feature.name] == .boolean
                || (!categories.isEmpty && categories.allSatisfy { $0 == "true" || $0 == "false" })
            {
                booleans.append(feature.name)
            }
        }
        guard !conformed.features.isEmpty else { throw .empty(model: profile.model ?? "the reference") }
        return (conformed, booleans)
    }
}
