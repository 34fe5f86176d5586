import DriftKernels
import DriftMonitor
import Testing

/// Kinds declared in the configuration over the ones the reference was profiled with.
@Suite("Declared schema")
struct DeclaredSchemaTests {
    /// A profile of `x`, `y` (numeric), `flag` (true/false), `city` (three names).
    func profile() throws -> ReferenceProfile {
        let features = [
            Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .numeric), Feature(name: "flag", kind: .categorical),
            Feature(name: "city", kind: .categorical),
        ]
        var space = FeatureSpace()
        try space.declare(features)
        var generator = SeededGenerator(seed: 2)
        var batch = RecordBatch(numericColumns: 2, categoricalColumns: 2, capacity: 2_000)
        var row = DecodedRow(space: space)
        for i in 0..<2_000 {
            let x = generator.normal(mean: 0, standardDeviation: 1)
            row.numeric = [x, 2 * x + generator.normal(mean: 0, standardDeviation: 0.1)]
            row.categorical = [space.dictionaries[0].code(for: i % 3 == 0 ? "true" : "false"), space.dictionaries[1].code(for: ["Oslo", "Lima", "Pune"][i % 3])]
            batch.append(row, numericSources: [0, 1], categoricalSources: [0, 1])
        }
        return ReferenceProfile(model: "m", features: features, batch: batch, dictionaries: space.dictionaries)
    }

    @Test("Ignored features leave the profile (and its PCA basis with a numeric one); booleans are declared or inferred")
    func conform() throws {
        let reference = try profile()
        #expect(reference.multivariate != nil)
        let kept = try DeclaredSchema(["city": .ignored]).conform(reference)
        #expect(kept.profile.features.map(\.name) == ["x", "y", "flag"])
        #expect(kept.profile.multivariate == reference.multivariate)
        #expect(kept.booleans == ["flag"])
        let dropped = try DeclaredSchema(["y": .ignored, "flag": .boolean, "not_there": .ignored]).conform(reference)
        #expect(dropped.profile.features.map(\.name) == ["x", "flag", "city"])
        #expect(dropped.profile.multivariate == nil)
        #expect(dropped.booleans == ["flag"])
    }

    @Test(
        "Conflicts are errors that name the feature and both kinds",
        arguments: [
            (["x": DeclaredKind.categorical], "feature 'x' is declared categorical but the reference profiles it numeric"),
            (["city": .numeric], "feature 'city' is declared numeric but the reference profiles it categorical"),
            (["x": .boolean], "feature 'x' is declared boolean but the reference profiles it numeric"),
            (["city": .boolean], "feature 'city' is declared boolean but the reference has the categories 'Oslo', 'Lima', 'Pune'"),
            (["z": .numeric], "feature 'z' is declared but the reference has no profile of it"),
            (["x": .ignored, "y": .ignored, "flag": .ignored, "city": .ignored], "model 'm' has no feature to monitor"),
        ])
    func conflicts(declared: [String: DeclaredKind], message: String) throws {
        let reference = try profile()
        let error = #expect(throws: SchemaError.self) { try DeclaredSchema(declared).conform(reference) }
        #expect(error.map { "\($0)".hasPrefix(message) } == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test("Declarations put over inferred features: kinds replaced, ignored left out, declared-only features added")
    func applied() {
        let inferred = [Feature(name: "zip", kind: .numeric), Feature(name: "id", kind: .numeric), Feature(name: "ok", kind: .categorical)]
        let schema = DeclaredSchema(["zip": .categorical, "id": .ignored, "ok": .boolean, "late": .numeric])
        #expect(
            schema.applied(to: inferred) == [
                Feature(name: "zip", kind: .categorical), Feature(name: "ok", kind: .categorical), Feature(name: "late", kind: .numeric),
            ])
        #expect(schema.booleans == ["ok"] && schema.ignored == ["id"])
    }
}
