import DriftKernels
import DriftMonitor

/// The reference the monitor-level tests share: `rows` rows of two independent standard
/// normals, features `x` and `y`.
public enum NormalReference {
    public static let features = [Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .numeric)]

    /// The feature space and the profile, drawn from `rng`, which goes on where the reference
    /// ended (so the windows a test draws next come from the same stream).
    package static func make(model: String, rows: Int, rng: inout SeededGenerator) throws -> (FeatureSpace, ReferenceProfile) {
        var space = FeatureSpace()
        try space.declare(features)
        var batch = RecordBatch(numericColumns: 2, categoricalColumns: 0, capacity: rows)
        var row = DecodedRow(space: space)
        for _ in 0..<rows {
            row.numeric[0] = rng.normal()
            row.numeric[1] = rng.normal()
            batch.append(row, numericSources: [0, 1], categoricalSources: [])
        }
        return (space, ReferenceProfile(model: model, features: features, batch: batch, dictionaries: []))
    }
}
