import DriftMonitor
import Foundation
import Telemetry
import TestSupport

/// A catalogue with one model whose last window has drifted in `x` and not in `y`, a second
/// with a vector feature, and every series created on first use already made, so that an
/// exposition shows the whole catalogue.
enum Fixture {
    static let features = NormalReference.features

    static func report(shift: Double = 1.0) throws -> (WindowReport, DriftStateMachine.State) {
        var rng = SeededGenerator(seed: 1)
        let (space, reference) = try NormalReference.make(model: "fraud", rows: 20_000, rng: &rng)
        var row = DecodedRow(space: space)
        let monitor = try Monitor(model: "fraud", reference: reference, policy: DriftPolicy(), windowRecords: 2_000, space: space)
        for index in 0..<2_000 {
            row.numeric[0] = rng.normal(mean: shift)
            row.numeric[1] = rng.normal()
            _ = monitor.append(row, eventTime: 1_764_000_000_000 + Int64(index))
        }
        let report = monitor.closeWindow(space: space).report
        return (report, monitor.stateMachine.state)
    }

    static func catalogue(limits: CardinalityLimits = CardinalityLimits()) throws -> (MetricCatalogue, ModelMetrics) {
        let catalogue = MetricCatalogue(version: "1.2.3", limits: limits)
        let metrics = catalogue.makeModelMetrics(
            model: "fraud", features: features, referenceVersion: "ref-1", invalidReasons: ["malformed_json"], multivariate: true)
        let (report, state) = try report()
        metrics.record(report, state: state)
        metrics.countRecords(2_000)
        let (vectorReport, vectorState) = try Self.vectorReport()
        let encoder = catalogue.makeModelMetrics(
            model: "encoder", features: vectorFeatures, referenceVersion: "ref-2", invalidReasons: [], multivariate: false)
        encoder.record(vectorReport, state: vectorState)
        catalogue.setLag(topic: "logs", partition: 0, records: 12)
        catalogue.countJoin(outcome: "joined")
        catalogue.countRegistryFailure(model: "fraud")
        let performance = catalogue.makePerformanceMetrics(model: "fraud", task: .binary)
        performance.setReference([.accuracy: 0.91, .rocAUC: 0.95])
        performance.count(joined: 1_900, expired: 100, unmatched: 3, waiting: 40)
        return (catalogue, metrics)
    }

    static let vectorFeatures = [Feature(name: "embedding", kind: .vector, dimension: 4)]

    /// A window of 200 four-dimensional vectors against a reference of 400.
    static func vectorReport() throws -> (WindowReport, DriftStateMachine.State) {
        var rng = SeededGenerator(seed: 2)
        var space = FeatureSpace()
        try space.declare(vectorFeatures)
        let batch = try RecordBatch(vectorRows: (0..<400).map { _ in (0..<4).map { _ in rng.normal() } }, dimension: 4)
        var row = DecodedRow(space: space)
        let reference = ReferenceProfile(model: "encoder", features: vectorFeatures, batch: batch, dictionaries: [])
        let monitor = try Monitor(model: "encoder", reference: reference, policy: DriftPolicy(), windowRecords: 200, space: space)
        for _ in 0..<200 {
            row.reset()
            for _ in 0..<4 { row.appendVectorValue(rng.normal(mean: 0.5), index: 0) }
            _ = monitor.append(row, eventTime: nil)
        }
        return (monitor.closeWindow(space: space).report, monitor.stateMachine.state)
    }

    static func exposition(_ catalogue: MetricCatalogue, _ format: ExpositionFormat = .text) -> String {
        var buffer: [UInt8] = []
        catalogue.exposition(format, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static let repository = Repository.root
}
