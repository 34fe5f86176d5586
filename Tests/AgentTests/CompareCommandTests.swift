import DriftMonitor
import Foundation
import TestSupport
import Testing

/// `driftwatch compare` run as a process on labelled JSON lines files: with `--task`, its
/// JSON against scikit-learn and nannyml reading the same files; with `--timings`, its clock.
@Suite("compare --task against scikit-learn and nannyml, and --timings")
struct CompareCommandTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case binaryDegraded, binaryUnlabelled, multiclass, regression
        var testDescription: String { rawValue }
        var task: String {
            switch self {
            case .binaryDegraded, .binaryUnlabelled: "binary"
            case .multiclass: "multiclass"
            case .regression: "regression"
            }
        }
    }

    /// Records with two input fields, a label and a prediction. `degraded`: the labels no
    /// longer follow the predictions.
    static func records(_ task: String, count: Int, seed: UInt64, degraded: Bool, labelled: Bool) -> [[String: Any]] {
        var rng = SeededGenerator(seed: seed)
        let classes = ["bird", "cat", "dog"]
        return (0..<count).map { _ in
            var record: [String: Any] = ["x": rng.normal(mean: 3), "segment": ["a", "b"][Int.random(in: 0..<2, using: &rng)]]
            let u = Double.random(in: 0..<1, using: &rng)
            switch task {
            case "binary":
                let score = pow(Double.random(in: 0..<1, using: &rng), 1.5)
                record["prediction"] = score
                record["label"] = (degraded ? u < 0.4 : u < score) ? 1 : 0
            case "multiclass":
                let label = Int.random(in: 0..<3, using: &rng)
                record["label"] = classes[label]
                record["prediction"] = classes[u < (degraded ? 0.4 : 0.8) ? label : Int.random(in: 0..<3, using: &rng)]
            default:
                let label = rng.normal(mean: 40, standardDeviation: 10)
                record["label"] = label
                record["prediction"] = label + rng.normal(mean: degraded ? 8 : 0, standardDeviation: 4)
            }
            if !labelled { record["label"] = nil }
            return record
        }
    }

    static func write(_ records: [[String: Any]], to url: URL) throws {
        var text = ""
        for record in records {
            text += String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try Data(text.utf8).write(to: url)
    }

    @Test("Realised, estimated and thresholds as scikit-learn and nannyml compute them; the label is not a feature", arguments: Case.allCases)
    func performance(_ testCase: Case) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-compare-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = directory.appendingPathComponent("reference.jsonl")
        let current = directory.appendingPathComponent("current.jsonl")
        try Self.write(Self.records(testCase.task, count: 20_000, seed: 1, degraded: false, labelled: true), to: reference)
        try Self.write(
            Self.records(testCase.task, count: 2_000, seed: 2, degraded: testCase != .binaryUnlabelled, labelled: testCase != .binaryUnlabelled),
            to: current)

        let run = try ChildProcess.run([
            AgentProcess.executable.path, "compare", "--reference", reference.path, "--current", current.path, "--format", "json",
            "--task", testCase.task, "--fail-on-drift",
        ])
        let degraded = testCase != .binaryUnlabelled
        #expect(run.status == (degraded ? 3 : 0), "\(run.errors)")
        let output = try #require(try JSONSerialization.jsonObject(with: run.output) as? [String: Any], "\(run.text)")
        let features = (output["features"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(features) == ["x", "segment"], "label and prediction are metadata of a JSON record, not inputs")
        let performance = try #require(output["performance"] as? [String: Any])
        #expect(performance["task"] as? String == testCase.task)
        #expect(performance["degraded"] as? Bool == degraded)
        #expect(performance["chunk_size"] as? Int == 2_000)
        #expect(performance["reference_chunks"] as? Int == 10)

        let expected = try NumpyOracle.run(
            "files", arguments: [testCase.task, reference.path, current.path, "0.5"], script: "performance_oracle.py")
        func compare(_ section: String, tolerance: (String) -> Double) throws {
            let ours = performance[section] as? [String: Double] ?? [:]
            let theirs = try #require(expected[section] as? [String: Any])
            #expect(Set(ours.keys).isSuperset(of: theirs.keys), "\(section): \(ours.keys.sorted()) against \(theirs.keys.sorted())")
            for key in theirs.keys.sorted() {
                let value = try NumpyOracle.double(theirs, key)
                let mine = try #require(ours[key], "\(section).\(key)")
                #expect(abs(mine - value) <= tolerance(key), "\(section).\(key): \(mine) against \(value)")
            }
        }
        // ROC-AUC from 1,024 score bins: within 1e-3 on these scores (the bound is checked in DriftKernelsTests).
        try compare("current") { $0 == "roc_auc" ? 1e-3 : 1e-9 }
        try compare("estimated") { $0 == "roc_auc" ? 1e-3 : 1e-9 }
        try compare("thresholds") { _ in 1e-9 }
        if testCase == .binaryUnlabelled {
            #expect((performance["current"] as? [String: Any])?.isEmpty == true)
            #expect(performance["current_labelled"] as? Int == 0)
        }
        let breaches = (performance["breaches"] as? [[String: Any]] ?? []).compactMap { $0["metric"] as? String }
        #expect(breaches.isEmpty == !degraded, "\(breaches)")
    }

    @Test("--timings writes one line to stderr whose steps fit inside the total, and leaves the report alone")
    func timings() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-compare-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = directory.appendingPathComponent("reference.jsonl")
        let current = directory.appendingPathComponent("current.jsonl")
        try Self.write(Self.records("regression", count: 5_000, seed: 3, degraded: false, labelled: true), to: reference)
        try Self.write(Self.records("regression", count: 5_000, seed: 4, degraded: false, labelled: true), to: current)
        let arguments = [AgentProcess.executable.path, "compare", "--reference", reference.path, "--current", current.path, "--format", "json"]

        let plain = try ChildProcess.run(arguments)
        let timed = try ChildProcess.run(arguments + ["--timings"])
        #expect(plain.status == 0 && timed.status == 0, "\(timed.errors)")
        #expect(timed.output == plain.output)
        let pattern = /timings: read (\d+) ms, reference (\d+) ms, window and tests (\d+) ms, total (\d+) ms\n/
        let match = try #require(timed.errors.firstMatch(of: pattern), "\(timed.errors)")
        let (read, profile, window, total) = (Int(match.1)!, Int(match.2)!, Int(match.3)!, Int(match.4)!)
        // Each figure is rounded on its own: the three steps may exceed the total by a millisecond each.
        #expect(read + profile + window <= total + 3, "\(timed.errors)")
        #expect(read > 0 && total < 60_000, "\(timed.errors)")
        #expect(!plain.errors.contains("timings"))
    }
}
