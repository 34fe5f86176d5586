import Agent
import DriftMonitor
import Foundation
import Ingest
import Testing

/// A model's task, labels and performance policy, read from YAML and checked.
@Suite("Configuration: labels and performance")
struct LabelConfigurationTests {
    func load(_ model: String, top: String = "") throws -> AgentConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID()).yaml")
        try (top + "models:\n  - name: fraud\n    reference: r.jsonl\n" + model).write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try AgentConfiguration.load(path: url.path)
    }

    @Test("Task, prediction field, threshold, labels and per-metric rules are read; defaults fill the rest")
    func reads() throws {
        let configuration = try load(
            """
                task: binary
                prediction_field: score
                decision_threshold: 0.3
                labels: {topic: fraud-labels, max_delay: 90m}
                policy:
                  performance: {accuracy: {absolute: 0.8}, roc_auc: {relative: 0.05}, f1: {standard_deviations: 2}}

            """)
        try configuration.validate()
        let model = try #require(configuration.models.first)
        #expect(model.task == .binary)
        #expect(model.predictionField == "score")
        #expect(model.decisionThreshold == 0.3)
        let labels = try #require(model.labels)
        #expect(labels.topic == "fraud-labels" && labels.idField == "request_id" && labels.labelField == "label")
        #expect(labels.format == .json)
        #expect(try labels.maxDelayMilliseconds == 5_400_000)
        #expect(try labels.windowMilliseconds == 3_600_000)
        #expect(model.policy?.performance.rules == [.accuracy: .absolute(0.8), .rocAUC: .relative(0.05), .f1: .standardDeviations(2)])
        // The decoder reads the prediction and the label of these records.
        #expect(configuration.decodedJSONFields.prediction == "score")
        #expect(configuration.decodedJSONFields.label == "label")
    }

    @Test(
        "Mistakes are errors naming the model and key",
        arguments: [
            ("    labels: {topic: l}\n", "model fraud: labels need task"),
            ("    task: binary\n    labels: {topic: l, max_delay: soon}\n", "max_delay 'soon' is not a duration"),
            ("    task: binary\n    labels: {topic: l, window: 0s}\n", "labels.window must be longer than 0"),
            ("    task: binary\n    labels: {topic: \"l!\"}\n", "labels.topic: 'l!' has a character outside"),
            ("    task: binary\n    decision_threshold: 1.5\n    labels: {topic: l}\n", "decision_threshold must be within 0...1"),
            ("    task: binary\n    labels: {topic: l, max_waiting: 0}\n", "labels.max_waiting must be at least 1"),
            ("    task: binary\n    labels: {topic: l, format: kserve}\n", "labels.format is json or protobuf (InferenceLog), not kserve"),
        ])
    func refused(model: String, problem: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try load(model).validate() }
        #expect(error.map { "\($0)" }?.contains(problem) == true, "\(error.map { "\($0)" } ?? "no error")")
    }

    @Test(
        "Decoding refuses an unknown task or metric and a rule that is not one of three, with its line",
        arguments: [
            ("    task: ranking\n", "'ranking'"),
            ("    policy: {performance: {accurcy: {absolute: 0.8}}}\n", "'accurcy' is not a metric"),
            ("    policy: {performance: {accuracy: {absolute: 0.8, relative: 0.1}}}\n", "give one of absolute, relative, standard_deviations"),
            ("    policy: {performance: {accuracy: {minimum: 0.8}}}\n", "unknown key"),
            ("    labels: {topik: l}\n", "did you mean 'topic'"),
        ])
    func undecodable(model: String, problem: String) throws {
        let error = #expect(throws: (any Error).self) { try load(model) }
        #expect(error.map { "\($0)" }?.contains(problem) == true, "\(error.map { "\($0)" } ?? "no error")")
    }
}

extension LabelConfigurationTests {
    @Test("Members join labels with their own partitions' predictions: a non-range assignment strategy is refused, the default taken")
    func scaleOutAssignment() throws {
        let model = "    task: binary\n    window: {duration: 1m}\n    labels: {topic: l}\n"
        let member = "scale_out: {role: member}\n"
        try load(model, top: member).validate()
        try load(model, top: member + "kafka: {properties: {partition.assignment.strategy: \"range,roundrobin\"}}\n").validate()
        try load(model, top: "scale_out: {role: aggregator}\nkafka: {properties: {partition.assignment.strategy: cooperative-sticky}}\n").validate()
        let error = #expect(throws: ConfigurationError.self) {
            try load(model, top: member + "kafka: {properties: {partition.assignment.strategy: cooperative-sticky}}\n").validate()
        }
        #expect(error.map { "\($0)" }?.contains("needs partition.assignment.strategy range") == true, "\(error.map { "\($0)" } ?? "no error")")
    }
}
