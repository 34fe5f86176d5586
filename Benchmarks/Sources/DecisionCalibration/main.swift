import DriftMonitor
import Foundation

// Usage: DecisionCalibration [--quick]
//
// The error rates of the agent's decision, measured by running its own Monitor (the code
// `driftwatch run` runs per model: panes, window close, tests, policy, state machine) over
// generated clean and shifted traffic. Prints Markdown tables for docs/statistics.md.
let quick = CommandLine.arguments.contains("--quick")
let scale = quick ? 5 : 1

/// The policy every table measures, and for comparison the old defaults' p-value gate
/// (0.05, uncorrected, windows judged at any size) over the same tests.
let calibrated = DriftPolicy()
var uncorrected = DriftPolicy()
uncorrected.significanceLevel = 0.05
uncorrected.correction = .none
uncorrected.minimumWindowRecords = 1

struct Tally {
    var windows = 0
    var judged = 0
    var drifted = 0
    var flagged = 0
    var breached = 0
    var multivariate = 0
    var events = 0

    func percent(_ count: Int) -> String {
        String(format: "%.2f%%", 100 * Double(count) / Double(max(windows, 1)))
    }
}

/// Feeds `windows` tumbling windows of `records` records through one Monitor, as the pipeline does.
func simulate(
    _ model: TrafficModel, reference: ReferenceProfile, policy: DriftPolicy, records: Int, windows: Int, seed: UInt64,
    shifted: Int = -1, shift: Double = 0, stopAtEvent: Bool = false
) -> Tally {
    let monitor = try! Monitor(model: "simulated", reference: reference, policy: policy, windowRecords: records, space: model.space)
    var random = SplitMix(seed: seed)
    var row = DecodedRow(space: model.space)
    var tally = Tally()
    while tally.windows < windows {
        model.draw(into: &row, using: &random, shifted: shifted, shift: shift)
        monitor.append(row, eventTime: nil)
        while monitor.hasPaneToClose {
            guard let closed = monitor.closePane(space: model.space) else { continue }
            let report = closed.report
            tally.windows += 1
            if report.judged { tally.judged += 1 }
            if report.features.contains(where: { $0.level == .drift }) { tally.drifted += 1 }
            if report.features.contains(where: { $0.level >= .warning }) { tally.flagged += 1 }
            if !report.driftedFeatures.isEmpty && report.datasetDriftShare >= policy.datasetDriftShare { tally.breached += 1 }
            if report.multivariate?.drifted == true { tally.multivariate += 1 }
            if closed.actions.contains(.retrainingRequested) {
                tally.events += 1
                if stopAtEvent { return tally }
            }
        }
    }
    return tally
}

let windowSizes = [30, 50, 100, 200, 1_000]
let shapes: [(numeric: Int, categorical: Int, windows: Int)] = [(20, 5, 2_000), (90, 10, 2_000), (475, 25, 400)]
let referenceRows = 20_000

print("## Clean traffic: windows that flag a feature\n")
print("Reference \(referenceRows) clean records; each window drawn from the same distribution.")
print("'drift' = a feature at drift level (what breaches a window), 'flag' = warning or drift.\n")
print("| features | window | windows | drift (default) | flag (default) | PCA outside band | drift (p < 0.05 uncorrected) | flag (p < 0.05 uncorrected) |")
print("|---|---|---|---|---|---|---|---|")
var references: [Int: (TrafficModel, ReferenceProfile)] = [:]
for (numeric, categorical, windows) in shapes {
    let model = TrafficModel(numeric: numeric, categorical: categorical)
    let reference = model.reference(rows: referenceRows, seed: 1, bins: calibrated.bins)
    references[numeric + categorical] = (model, reference)
    // Large windows cost time, not insight, at many features: 10,000 and 100,000 records for 25 only.
    for records in windowSizes + (numeric + categorical == 25 ? [10_000, 100_000] : []) {
        let count = max((records >= 100_000 ? 40 : records >= 10_000 ? 200 : windows) / scale, 8)
        let now = simulate(model, reference: reference, policy: calibrated, records: records, windows: count, seed: UInt64(records) * 7 + 2)
        let before = simulate(model, reference: reference, policy: uncorrected, records: records, windows: count, seed: UInt64(records) * 7 + 2)
        print(
            "| \(numeric + categorical) | \(records) | \(count) | \(now.percent(now.drifted)) | \(now.percent(now.flagged)) | "
                + "\(now.percent(now.multivariate)) | \(before.percent(before.drifted)) | \(before.percent(before.flagged)) |")
        fflush(nil)
    }
}

print("\n## Clean traffic: windows to a false retraining event (average run length)\n")
print("25 features, the default policy (\(calibrated.consecutiveWindows) consecutive breached windows).")
print("The Markov estimate is (1 - p^k) / ((1 - p) p^k) from the measured breach rate p.\n")
print("| window | windows run | breached | false events | windows per event | Markov estimate |")
print("|---|---|---|---|---|---|")
let (model25, reference25) = references[25]!
for (records, windows) in [(30, 100_000), (50, 60_000), (100, 30_000), (1_000, 3_000)] {
    let count = windows / scale
    let tally = simulate(model25, reference: reference25, policy: calibrated, records: records, windows: count, seed: UInt64(records) &* 31 + 5)
    let p = Double(tally.breached) / Double(tally.windows)
    let k = Double(calibrated.consecutiveWindows)
    let markov = p > 0 ? (1 - pow(p, k)) / ((1 - p) * pow(p, k)) : .infinity
    let perEvent = tally.events > 0 ? String(format: "%.0f", Double(tally.windows) / Double(tally.events)) : "> \(tally.windows)"
    print(
        "| \(records) | \(tally.windows) | \(tally.breached) | \(tally.events) | \(perEvent) | "
            + (markov.isFinite ? String(format: "%.3g", markov) : "no breach seen") + " |")
    fflush(nil)
}

print("\n## Power and detection delay: one normal feature of 25 shifted\n")
print("Per-window rate at which the shifted feature is flagged (warning or drift), and windows")
print("from the shift to the retraining event (mean over trials, from a fresh state).\n")
print("| shift | window | windows | flagged | at drift | delay to event (windows) |")
print("|---|---|---|---|---|---|")
for shift in [0.5, 1.0] {
    for records in [30, 50, 100, 200, 1_000] {
        let count = max(400 / scale, 40)
        var flagged = 0
        var drifted = 0
        let monitor = try! Monitor(model: "simulated", reference: reference25, policy: calibrated, windowRecords: records, space: model25.space)
        var random = SplitMix(seed: UInt64(records) + 99)
        var row = DecodedRow(space: model25.space)
        var seen = 0
        while seen < count {
            model25.draw(into: &row, using: &random, shifted: 0, shift: shift)
            monitor.append(row, eventTime: nil)
            while monitor.hasPaneToClose {
                guard let report = monitor.closePane(space: model25.space)?.report else { continue }
                seen += 1
                let level = report.features[0].level
                if level >= .warning { flagged += 1 }
                if level == .drift { drifted += 1 }
            }
        }
        let trials = max(100 / scale, 10)
        var delays: [Int] = []
        for trial in 0..<trials {
            let tally = simulate(
                model25, reference: reference25, policy: calibrated, records: records, windows: 200, seed: UInt64(trial * 1_000 + records),
                shifted: 0, shift: shift, stopAtEvent: true)
            if tally.events > 0 { delays.append(tally.windows) }
        }
        let delay =
            delays.isEmpty
            ? "no event in 200" : String(format: "%.2f", Double(delays.reduce(0, +)) / Double(delays.count))
                + (delays.count < trials ? " (\(trials - delays.count) of \(trials) trials none in 200)" : "")
        print(
            "| \(shift)σ | \(records) | \(count) | \(String(format: "%.1f%%", 100 * Double(flagged) / Double(count))) | "
                + "\(String(format: "%.1f%%", 100 * Double(drifted) / Double(count))) | \(delay) |")
        fflush(nil)
    }
}
