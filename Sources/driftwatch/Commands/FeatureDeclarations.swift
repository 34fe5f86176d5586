import ArgumentParser
import DriftMonitor

/// `--feature NAME=KIND`, repeatable: kinds over those inferred from the records, for
/// `profile` and `compare`.
struct FeatureDeclarations: ParsableArguments {
    @Option(
        name: .customLong("feature"),
        help: "A field's kind over the inferred one, as NAME=KIND (numeric, categorical, boolean, vector, ignored); repeatable.")
    var declarations: [String] = []

    /// The declarations; a malformed one is a usage error.
    func schema() throws -> DeclaredSchema {
        do {
            return try DeclaredSchema(declarations: declarations)
        } catch {
            throw ValidationError("--feature \(error)")
        }
    }
}
